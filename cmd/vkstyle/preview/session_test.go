package preview

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The keys' effects on a running session: what stops the run, what waits
// for the resume, what only changes the state.
func TestHandle(t *testing.T) {
	s := &session{Session: &Session{}, comp: &Composer{}, contentW: 5, styW: 100}
	if err := s.handle([]Action{{Kind: StyleUp}}, true); !errors.Is(err, errRestyle) || s.styW != 200 {
		t.Errorf("+ while running: %v, style weight %g; want a restyle at 200", err, s.styW)
	}
	if err := s.handle([]Action{{Kind: Pause}, {Kind: ContentDown}}, true); err != nil || !s.paused || !s.pending || s.contentW != 2.5 {
		t.Errorf("space then [: %v, paused %v, pending %v, content weight %g; want paused with a restyle pending at 2.5", err, s.paused, s.pending, s.contentW)
	}
	if err := s.handle([]Action{{Kind: Colours}}, true); err != nil || !s.comp.OriginalColours || !s.redraw {
		t.Errorf("o: %v, colours %v, redraw %v", err, s.comp.OriginalColours, s.redraw)
	}
	if err := s.handle([]Action{{Kind: Restart}}, true); !errors.Is(err, errRestart) || s.paused || s.pending {
		t.Errorf("r: %v, paused %v, pending %v; want a restart, unpaused, nothing pending", err, s.paused, s.pending)
	}
	if err := s.handle([]Action{{Kind: Pause}}, false); err != nil || s.paused {
		t.Errorf("space after the run: %v, paused %v; want nothing", err, s.paused)
	}
	if err := s.handle([]Action{{Kind: Quit}, {Kind: Restart}}, true); !errors.Is(err, errQuit) {
		t.Errorf("q then r: %v, want quit (the first stop wins)", err)
	}
	if err := s.handle([]Action{{Kind: DropStyle, Path: filepath.Join(t.TempDir(), "missing.png")}}, true); err != nil {
		t.Errorf("dropping a file that cannot be read: %v; want it reported and ignored", err)
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
