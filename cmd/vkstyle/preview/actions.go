package preview

import (
	"fmt"
	"time"

	"github.com/vkstyle/vkstyle/stylize"
)

// The user's actions travel in two halves: ui, on the main thread, does
// at once what needs no device work (pause, original colours, help) and
// passes the rest through acts; the worker drains acts between iterations
// (or while it waits) and handle carries them out.

// ui, on the main thread, carries out what takes effect at once (pause,
// original colours, help) and passes the other actions to the worker.
func (s *session) ui(actions []Action) {
	for _, a := range actions {
		switch a.Kind {
		case Pause:
			s.mu.Lock()
			if s.final == nil {
				s.paused = !s.paused
			}
			s.mu.Unlock()
		case Colours:
			s.colours.Store(!s.colours.Load())
			s.dirty.Store(true)
			signal(s.kick)
		case ShowHelp:
			if s.Log != nil {
				fmt.Fprintln(s.Log, Help)
			}
			s.mu.Lock()
			s.helpUntil = time.Now().Add(8 * time.Second)
			s.mu.Unlock()
		default:
			if a.Kind == Quit {
				s.cancel() // the run stops after the iteration in progress
			}
			select {
			case s.acts <- a:
			default:
				s.logf("too many keys at once: %v dropped", a.Kind)
			}
		}
	}
	if len(actions) > 0 {
		signal(s.wake)
	}
}

// drain takes the actions the main thread passed on.
func (s *session) drain() []Action {
	var a []Action
	for {
		select {
		case x := <-s.acts:
			a = append(a, x)
		default:
			return a
		}
	}
}

// handle, on the worker, carries out the actions passed on; it returns
// the sentinel that ends the run when one asks for that.
func (s *session) handle(actions []Action, running bool) error {
	var stop error
	set := func(err error) {
		if stop == nil {
			stop = err
		}
	}
	restyle := func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if running && s.paused {
			s.pending = true
			return
		}
		set(errRestyle)
	}
	for _, a := range actions {
		switch a.Kind {
		case Snapshot:
			if err := s.snapshot(); err != nil {
				s.logf("snapshot: %v", err)
			}
		case Quit:
			set(errQuit)
		case Restart:
			s.mu.Lock()
			s.paused, s.pending = false, false
			s.mu.Unlock()
			set(errRestart)
		case StyleUp, StyleDown, ContentUp, ContentDown:
			if s.Feed != nil {
				switch a.Kind {
				case StyleUp:
					s.changeAlpha(AlphaStep)
					restyle()
				case StyleDown:
					s.changeAlpha(-AlphaStep)
					restyle()
				default:
					s.logf("a feed-forward model has no content weight: + and - change alpha")
				}
				continue
			}
			s.mu.Lock()
			switch a.Kind {
			case StyleUp:
				s.styW *= WeightStep
			case StyleDown:
				s.styW /= WeightStep
			case ContentUp:
				s.contentW *= WeightStep
			case ContentDown:
				s.contentW /= WeightStep
			}
			s.mu.Unlock()
			restyle()
		case DropStyle, DropContent:
			im, err := stylize.LoadMax(a.Path, s.Request.Options.MaxPixels) // 0: the default budget
			if err != nil {
				s.logf("dropped file: %v", err)
				continue
			}
			if a.Kind == DropContent || (s.Feed != nil && !s.Feed.TakesStyle()) {
				s.content = im
				s.compMu.Lock()
				err := s.comp.SetContent(withRegions(im, s.Request.ContentMasks))
				if err == nil && s.x.Buf != nil {
					err = s.comp.Prepare(s.w, s.h)
				}
				s.dirty.Store(true)
				s.compMu.Unlock()
				if err != nil {
					return err
				}
				s.logf("new content %s: restarting from the initial image", a.Path)
				s.mu.Lock()
				s.paused, s.pending = false, false
				s.mu.Unlock()
				set(errRestart)
				continue
			}
			if len(s.Request.ContentMasks) > 1 {
				s.logf("dropped style %s replaces the %d masked styles: it applies everywhere", a.Path, len(s.Request.ContentMasks))
			}
			s.styles, s.blend = []*stylize.Image{im}, nil
			s.compMu.Lock()
			err = s.comp.SetStyle(im)
			s.dirty.Store(true)
			s.compMu.Unlock()
			if err != nil {
				return err
			}
			s.logf("new style %s", a.Path)
			restyle()
		}
	}
	return stop
}
