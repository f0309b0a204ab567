package preview

import (
	"time"

	"github.com/vkstyle/vkstyle/gpu"
)

// The frame path: the worker copies each iterate into view (show), and
// the presenter composes and presents whatever x holds.

// show copies the iterate src (w×h) into view, in a submission of its
// own, and has the presenter show it.
func (s *session) show(src gpu.Binding, w, h int) error {
	s.compMu.Lock()
	defer s.compMu.Unlock()
	need := uint64(12 * w * h)
	if s.view == nil || s.view.Size() < need {
		if s.view != nil {
			s.view.Close()
			s.view = nil
			s.x = gpu.Binding{}
		}
		v, err := s.Device.NewBuffer("preview image", need)
		if err != nil {
			return err
		}
		s.view = v
	}
	if err := s.comp.Prepare(w, h); err != nil {
		return err
	}
	if err := s.copier.Reset(); err != nil {
		return err
	}
	dst := s.view.Range(0, need)
	if err := s.copier.Copy(dst, src); err != nil {
		return err
	}
	if err := s.copier.Submit(); err != nil {
		return err
	}
	s.x, s.w, s.h = dst, w, h
	s.gen++
	s.copiedGen.Store(int64(s.gen))
	signal(s.kick)
	return nil
}

// presentLoop is the presenter: it presents whenever what the window
// shows changed, at most once a period, until stop is closed. An error
// ends the session.
func (s *session) presentLoop(stop <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)
	t := time.NewTicker(s.period())
	defer t.Stop()
	last := -1
	for {
		select {
		case <-stop:
			return
		case <-s.kick:
		case <-t.C:
		}
		if err := s.present(&last); err != nil {
			s.mu.Lock()
			s.presentErr = err
			s.mu.Unlock()
			s.cancel()
			signal(s.wake)
			return
		}
		select { // at most one frame a period
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// present draws what the window shows when it changed since generation
// *last, or the window needs it.
func (s *session) present(last *int) error {
	s.compMu.Lock()
	defer s.compMu.Unlock()
	dirty := s.dirty.Swap(false)
	if s.x.Buf == nil || (s.gen == *last && !dirty) {
		return nil
	}
	s.comp.OriginalColours = s.colours.Load()
	shown, err := s.sc.Present(func(f *gpu.Frame) error { return s.comp.Record(f, s.x, s.w, s.h) })
	if err != nil {
		return err
	}
	*last = s.gen
	if shown {
		s.shownGen.Store(int64(s.gen))
		s.mu.Lock()
		s.stats.Frames++
		s.mu.Unlock()
	} else {
		s.dirty.Store(true) // minimised, or no image free: try again
	}
	return nil
}
