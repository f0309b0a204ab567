package preview

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/vkstyle/vkstyle/stylize"
)

// The keys' effects on a running session: what stops the run, what waits
// for the resume, what only changes the state, and what the main thread
// does at once (ui) rather than pass to the worker.
func TestHandle(t *testing.T) {
	s := newSession(context.Background(), &Session{})
	defer s.cancel()
	s.comp, s.contentW, s.styW = &Composer{}, 5, 100
	if err := s.handle([]Action{{Kind: StyleUp}}, true); !errors.Is(err, errRestyle) || s.styW != 200 {
		t.Errorf("+ while running: %v, style weight %g; want a restyle at 200", err, s.styW)
	}
	s.ui([]Action{{Kind: Pause}, {Kind: ContentDown}})
	if !s.paused {
		t.Errorf("space: not paused at once")
	}
	if err := s.handle(s.drain(), true); err != nil || !s.paused || !s.pending || s.contentW != 2.5 {
		t.Errorf("space then [: %v, paused %v, pending %v, content weight %g; want paused with a restyle pending at 2.5", err, s.paused, s.pending, s.contentW)
	}
	s.ui([]Action{{Kind: Colours}})
	if !s.colours.Load() || !s.dirty.Load() || len(s.drain()) != 0 {
		t.Errorf("o: colours %v, dirty %v", s.colours.Load(), s.dirty.Load())
	}
	if err := s.handle([]Action{{Kind: Restart}}, true); !errors.Is(err, errRestart) || s.paused || s.pending {
		t.Errorf("r: %v, paused %v, pending %v; want a restart, unpaused, nothing pending", err, s.paused, s.pending)
	}
	s.final = &stylize.Image{}
	s.ui([]Action{{Kind: Pause}})
	if s.paused {
		t.Errorf("space after the run: paused; want nothing")
	}
	s.final = nil
	if err := s.handle([]Action{{Kind: Quit}, {Kind: Restart}}, true); !errors.Is(err, errQuit) {
		t.Errorf("q then r: %v, want quit (the first stop wins)", err)
	}
	if err := s.handle([]Action{{Kind: DropStyle, Path: filepath.Join(t.TempDir(), "missing.png")}}, true); err != nil {
		t.Errorf("dropping a file that cannot be read: %v; want it reported and ignored", err)
	}
	s.ui([]Action{{Kind: Quit}})
	if s.ctx.Err() == nil {
		t.Errorf("q: the run's context is not cancelled")
	}
	if a := s.drain(); len(a) != 1 || a[0].Kind != Quit {
		t.Errorf("q: passed on %v, want the quit", a)
	}
}

func TestCharActions(t *testing.T) {
	for r, want := range map[rune]ActionKind{' ': Pause, 's': Snapshot, 'q': Quit, 'r': Restart, 'o': Colours,
		'+': StyleUp, '-': StyleDown, ']': ContentUp, '[': ContentDown, 'h': ShowHelp, '?': ShowHelp} {
		if a, ok := charAction(r); !ok || a.Kind != want {
			t.Errorf("%q: %v %v, want %v", r, a.Kind, ok, want)
		}
	}
	if _, ok := charAction('x'); ok {
		t.Error("x has an action")
	}
}

func TestSnapshotPath(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "out.jpg")
	if p := SnapshotPath(base); p != filepath.Join(dir, "out_snapshot1.jpg") {
		t.Errorf("first snapshot %s", p)
	}
	os.WriteFile(filepath.Join(dir, "out_snapshot1.jpg"), nil, 0o644)
	if p := SnapshotPath(base); p != filepath.Join(dir, "out_snapshot2.jpg") {
		t.Errorf("second snapshot %s", p)
	}
	if p := SnapshotPath(filepath.Join(dir, "noext")); p != filepath.Join(dir, "noext_snapshot1.png") {
		t.Errorf("snapshot of a base without extension: %s", p)
	}
}

type fakeFeed struct{}

func (fakeFeed) TakesStyle() bool { return true }
func (fakeFeed) Render(c *stylize.Image, _ []*stylize.Image, _ []float64, _ float64) (*stylize.Image, error) {
	return c, nil
}

// With a feed-forward model, + and - move alpha by 0.1 within [0, 1] and
// ask for a new pass; [ and ] change nothing.
func TestHandleFeed(t *testing.T) {
	s := newSession(context.Background(), &Session{Feed: fakeFeed{}})
	defer s.cancel()
	s.comp, s.alpha = &Composer{}, 0.95
	if err := s.handle([]Action{{Kind: StyleUp}}, false); !errors.Is(err, errRestyle) || s.alpha != 1 {
		t.Errorf("+ at 0.95: %v, alpha %g; want a new pass at 1", err, s.alpha)
	}
	if err := s.handle([]Action{{Kind: StyleDown}, {Kind: StyleDown}}, false); !errors.Is(err, errRestyle) || math.Abs(s.alpha-0.8) > 1e-12 {
		t.Errorf("- - at 1: %v, alpha %g; want a new pass at 0.8", err, s.alpha)
	}
	if err := s.handle([]Action{{Kind: ContentUp}, {Kind: ContentDown}}, false); err != nil || math.Abs(s.alpha-0.8) > 1e-12 {
		t.Errorf("] [: %v, alpha %g; want nothing", err, s.alpha)
	}
	for range 12 {
		s.handle([]Action{{Kind: StyleDown}}, false)
	}
	if s.alpha != 0 {
		t.Errorf("alpha %g after many -, want 0", s.alpha)
	}
}
