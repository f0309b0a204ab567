package preview

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// mainLoop is the main thread's part of the session: it answers the
// window's events once a period, passes the user's actions on (ui) and
// sets the title, until the worker, whose end it receives from worker,
// ends the session.
func (s *session) mainLoop(worker <-chan error) error {
	for {
		select {
		case err := <-worker:
			s.mu.Lock()
			perr := s.presentErr
			s.mu.Unlock()
			if perr != nil {
				return errors.Join(perr, err)
			}
			return err
		default:
		}
		s.Window.Wait(s.period().Seconds())
		w, h := s.Window.FramebufferSize()
		s.fbw.Store(int64(w))
		s.fbh.Store(int64(h))
		if s.Window.Dirty() {
			s.dirty.Store(true)
			signal(s.kick)
		}
		s.ui(s.Window.Actions())
		s.setTitle()
	}
}

// setTitle, on the main thread, shows the iteration, loss, rate, weights
// and state.
func (s *session) setTitle() {
	s.mu.Lock()
	prog, recent, cw, sw := s.prog, s.recent, s.contentW, s.styW
	final, paused, stopped, help := s.final != nil, s.paused, s.stopped, time.Now().Before(s.helpUntil)
	s.mu.Unlock()
	var b strings.Builder
	b.WriteString("vkstyle preview")
	if prog.Total > 0 {
		fmt.Fprintf(&b, " · iteration %d/%d · loss %.4g", prog.Done, prog.Total, prog.Loss)
	}
	if n := len(recent); n > 1 {
		if d := recent[n-1].Sub(recent[0]); d > 0 {
			fmt.Fprintf(&b, " · %.2f it/s", float64(n-1)/d.Seconds())
		}
	}
	if s.Feed != nil {
		s.mu.Lock()
		alpha, pass := s.alpha, s.lastPass
		s.mu.Unlock()
		if pass > 0 {
			fmt.Fprintf(&b, " · %v a pass", pass.Round(time.Millisecond))
		}
		if s.Feed.TakesStyle() {
			fmt.Fprintf(&b, " · alpha %.1f", alpha)
		}
	} else {
		fmt.Fprintf(&b, " · content %g style %g", cw, sw)
	}
	if s.colours.Load() {
		b.WriteString(" · original colours")
	}
	switch {
	case final && s.Feed != nil:
	case final:
		b.WriteString(" · finished")
	case paused && stopped && s.shownGen.Load() == s.copiedGen.Load():
		b.WriteString(" · paused")
	case paused: // the iteration in progress completes first, and shows
		b.WriteString(" · pausing")
	}
	if help {
		b.WriteString(" · " + TitleHelp)
	}
	if t := b.String(); t != s.lastTitle {
		s.lastTitle = t
		s.Window.SetTitle(t)
	}
}
