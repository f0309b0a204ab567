package stylize

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// A checkpoint whose counters or sizes do not fit the run (a damaged or
// edited file with the right fingerprint) is refused with what is wrong,
// instead of "finishing" at once.
// stopAt runs r on the CPU reference with m, stops it after done
// iterations and returns r with its checkpoint path (a temporary file,
// written) and no Progress.
func stopAt(t *testing.T, m Model, r Request, done int) Request {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.CheckpointPath = filepath.Join(t.TempDir(), "run.ckpt")
	r.Progress = func(p Progress) error {
		if p.Done == done {
			cancel()
		}
		return nil
	}
	if _, err := Run(ctx, NewCPU(), m, r); !errors.Is(err, ErrStopped) {
		t.Fatal(err)
	}
	r.Progress = nil
	return r
}

func TestResumeRangeChecks(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	o := tinyOptions()
	o.Scales, o.Iterations, o.Size = 2, 6, 32
	r := Request{Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: o}
	r = stopAt(t, m, r, 3)
	cases := []struct {
		edit func(c *Checkpoint)
		want string
	}{
		{func(c *Checkpoint) { c.Iteration, c.Done = 10000, 10000 }, "iteration 10000, but scale 1 has 6"},
		{func(c *Checkpoint) { c.Iteration, c.Done = -1, -1 }, "iteration -1"},
		{func(c *Checkpoint) { c.Scale = 2 }, "scale 3, but the run has 2"},
		{func(c *Checkpoint) { c.Scale = -1 }, "scale 0, but the run has 2"},
		{func(c *Checkpoint) { c.Done = 4 }, "4 iterations done in all"},
		{func(c *Checkpoint) { c.W, c.H = 1<<20, 1<<20 }, "an image of 1048576×1048576"},
		{func(c *Checkpoint) { c.X = c.X[1:] }, "samples for a"},
		{func(c *Checkpoint) { c.X[5] = float32(math.NaN()) }, "the image holds NaN"},
		{func(c *Checkpoint) { c.Adam = &AdamCarry{W: 4, H: 4, M: make([]float64, 48)} }, "Adam's carried state"},
	}
	for _, c := range cases {
		cp, err := LoadCheckpoint(r.CheckpointPath)
		if err != nil {
			t.Fatal(err)
		}
		c.edit(cp)
		r.Resume = cp
		_, err = Run(context.Background(), NewCPU(), m, r)
		if !errors.Is(err, ErrBadCheckpoint) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want ErrBadCheckpoint with %q", err, c.want)
		}
	}
}

// A stop whose checkpoint cannot be written says so (ErrCheckpointFailed
// besides ErrStopped), so that no one is told to resume from it.
func TestCheckpointWriteFailure(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	ctx, cancel := context.WithCancel(context.Background())
	r := Request{Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: tinyOptions(),
		CheckpointPath: filepath.Join(t.TempDir(), "gone", "run.ckpt")}
	r.Progress = func(p Progress) error {
		cancel()
		return nil
	}
	im, err := Run(ctx, NewCPU(), m, r)
	if !errors.Is(err, ErrStopped) || !errors.Is(err, ErrCheckpointFailed) || im == nil {
		t.Errorf("%v (image %v): want ErrStopped and ErrCheckpointFailed with the image", err, im != nil)
	}
}
