package preview

import (
	"errors"
	"time"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/stylize"
)

// The worker: the goroutine that runs the optimisation, one stylize.Run
// after another, and waits in the pauses and after a finished run.

// work is the worker: the runs, one after the other, until the user
// quits.
func (s *session) work(base stylize.Request, o stylize.Options) error {
	if s.Feed != nil {
		return s.feedWork()
	}
	next := base
	for {
		req := next
		req.Content, req.Styles = s.content, s.styles
		req.Options.StyleBlend = s.blend
		if len(req.ContentMasks) > 0 && len(req.ContentMasks) != len(req.Styles) {
			// A dropped style replaced the masked ones: masks are one per style.
			req.ContentMasks, req.StyleMasks = nil, nil
		}
		s.mu.Lock()
		req.Options.ContentWeight, req.Options.StyleWeight, req.Options.NoDefaults = s.contentW, s.styW, true
		s.prog, s.final, s.recent = stylize.Progress{}, nil, nil
		s.mark = time.Now()
		s.mu.Unlock()
		req.Frame, req.Progress = s.frame, s.progress
		req.CheckpointPath = ""
		next.Resume = nil // only the first run resumes
		im, runErr := stylize.Run(s.ctx, s.Engine, s.Model, req)
		s.gx = nil // freed by Run
		switch {
		case errors.Is(runErr, errQuit) || errors.Is(runErr, stylize.ErrStopped):
			return s.quit(im)
		case errors.Is(runErr, errRestart):
			next = base
			continue
		case errors.Is(runErr, errRestyle):
			next = s.restyle(base, im, max(1, s.prog.Total-s.prog.Done))
			continue
		case runErr != nil:
			if im != nil && s.Out != "" {
				if err := s.saveFinal(im); err != nil {
					return errors.Join(runErr, err)
				}
			}
			return runErr
		}
		// Finished: show the result until the user acts.
		s.logf("finished %d iterations: %s", s.prog.Done, TitleHelp)
		switch err := s.idle(im); {
		case errors.Is(err, errQuit):
			return s.quit(im)
		case errors.Is(err, errRestart):
			next = base
		case errors.Is(err, errRestyle):
			next = s.restyle(base, im, o.Iterations)
		default:
			return err
		}
	}
}

// restyle is the request that continues from im, at the final size, for
// iters iterations.
func (s *session) restyle(base stylize.Request, im *stylize.Image, iters int) stylize.Request {
	r := base
	r.Init = im
	r.Options.Init = "the current image"
	r.Options.Scales, r.Options.Auto, r.Options.Iterations = 1, false, iters
	s.mu.Lock()
	cw, sw := s.contentW, s.styW
	s.mu.Unlock()
	s.logf("content weight %g, style weight %g: continuing from the current image (the optimiser starts afresh)", cw, sw)
	return r
}

func (s *session) progress(p stylize.Progress) error {
	s.mu.Lock()
	s.prog = p
	s.mu.Unlock()
	if s.Request.Progress != nil {
		return s.Request.Progress(p)
	}
	return nil
}

// frame is the stylize.Request.Frame hook, on the worker: it counts the
// iteration, copies the iterate for the presenter, carries out the
// actions passed on and, while paused, waits.
func (s *session) frame(x graph.Buffer, w, h int) error {
	now := time.Now()
	s.mu.Lock()
	s.stats.Iterations++
	s.stats.Running += now.Sub(s.mark)
	s.mark = now
	s.recent = append(s.recent, now)
	if len(s.recent) > 20 {
		s.recent = s.recent[1:]
	}
	s.mu.Unlock()
	s.gx = x
	if err := s.show(s.Engine.Binding(x), w, h); err != nil {
		return err
	}
	if stop := s.handle(s.drain(), true); stop != nil {
		return stop
	}
	s.mu.Lock()
	paused := s.paused
	s.mu.Unlock()
	if !paused {
		return nil
	}
	err := s.wait(true)
	s.mu.Lock()
	s.mark, s.recent = time.Now(), nil
	s.mu.Unlock()
	return err
}

// idle shows the finished image im until an action ends the wait.
func (s *session) idle(im *stylize.Image) error {
	x := im.Pix // a feed-forward model's result, shown as it is
	if s.Feed == nil {
		x = s.Model.Preprocess(im)
	}
	buf, err := s.Device.NewBuffer("final image", uint64(4*len(x)))
	if err != nil {
		return err
	}
	if err := buf.WriteFloat32(0, x); err != nil {
		buf.Close()
		return err
	}
	s.compMu.Lock()
	if s.finalBuf != nil {
		s.finalBuf.Close()
	}
	s.finalBuf = buf
	s.x, s.w, s.h = buf.All(), im.W, im.H
	err = s.comp.Prepare(im.W, im.H)
	s.gen++
	s.copiedGen.Store(int64(s.gen))
	s.compMu.Unlock()
	if err != nil {
		return err
	}
	signal(s.kick)
	s.mu.Lock()
	s.final, s.paused = im, false
	s.mu.Unlock()
	return s.wait(false)
}

// wait, on the worker, carries out the actions passed on until the pause
// ends (running) or an action ends the wait.
func (s *session) wait(running bool) error {
	if running {
		s.setStopped(true)
		defer s.setStopped(false)
	}
	for {
		if stop := s.handle(s.drain(), running); stop != nil {
			return stop
		}
		if s.ctx.Err() != nil {
			return errQuit
		}
		if running {
			s.mu.Lock()
			paused, pending := s.paused, s.pending
			if !paused {
				s.pending = false
			}
			s.mu.Unlock()
			if !paused {
				if pending {
					return errRestyle
				}
				return nil
			}
		}
		select {
		case <-s.wake:
		case <-s.ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (s *session) setStopped(v bool) {
	s.mu.Lock()
	s.stopped = v
	s.mu.Unlock()
}
