package stylize

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"

	"github.com/vkstyle/vkstyle/optim"
)

func tinyOptions() Options {
	return Options{
		Size: 24, Iterations: 8,
		ContentLayers: []Layer{{"relu2_1", 1}},
		StyleLayers:   []Layer{{"relu1_1", 1}, {"relu2_1", 1}},
		Init:          "content",
		PrintEvery:    4,
	}
}

func TestRunReducesLossCPU(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	var losses []float64
	var terms int
	r := Request{
		Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: tinyOptions(),
		Progress: func(p Progress) error {
			losses = append(losses, p.Loss)
			if p.Terms != nil {
				terms++
			}
			return nil
		},
	}
	im, err := Run(context.Background(), NewCPU(), m, r)
	if err != nil {
		t.Fatal(err)
	}
	if im.W != 24 || im.H != 18 {
		t.Errorf("result %d×%d, want 24×18", im.W, im.H)
	}
	if len(losses) != 8 || losses[7] >= losses[0] {
		t.Errorf("losses %v: want 8 reports, decreasing", losses)
	}
	if terms != 2 {
		t.Errorf("%d reports with loss terms, want 2 (every 4 iterations)", terms)
	}
}

// A run stopped and resumed from its checkpoint ends with the bits of an
// uninterrupted run, for both optimisers and across scales.
func TestResumeReproduces(t *testing.T) {
	for _, opt := range []string{"lbfgs", "adam"} {
		t.Run(opt, func(t *testing.T) {
			m := newTinyModel()
			defer m.free()
			o := tinyOptions()
			o.Optimizer, o.Scales, o.Iterations, o.Size = opt, 2, 6, 32
			base := Request{Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: o}
			want, err := Run(context.Background(), NewCPU(), m, base)
			if err != nil {
				t.Fatal(err)
			}
			for _, stopAt := range []int{3, 6, 8} { // inside scale 1, at its end, inside scale 2
				ctx, cancel := context.WithCancel(context.Background())
				r := base
				r.CheckpointPath = filepath.Join(t.TempDir(), "run.ckpt")
				r.Progress = func(p Progress) error {
					if p.Done == stopAt {
						cancel()
					}
					return nil
				}
				_, err := Run(ctx, NewCPU(), m, r)
				if !errors.Is(err, ErrStopped) {
					t.Fatalf("stop at %d: %v", stopAt, err)
				}
				cp, err := LoadCheckpoint(r.CheckpointPath)
				if err != nil {
					t.Fatal(err)
				}
				r.Progress, r.Resume = nil, cp
				got, err := Run(context.Background(), NewCPU(), m, r)
				if err != nil {
					t.Fatalf("resume from %d: %v", stopAt, err)
				}
				for i := range want.Pix {
					if math.Float32bits(got.Pix[i]) != math.Float32bits(want.Pix[i]) {
						t.Fatalf("stopped at %d: pixel %d = %v, uninterrupted %v", stopAt, i, got.Pix[i], want.Pix[i])
					}
				}
			}
		})
	}
}

// Normalised gradients change the trajectory and stay finite. (The
// direction is a sum of differently rescaled term gradients, not the
// gradient of the loss, so the loss need not fall: neural-style's option
// trades that for balanced terms.)
func TestNormalizeGradients(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	run := func(norm bool) []float64 {
		o := tinyOptions()
		o.NormalizeGradients = norm
		o.Optimizer, o.LearningRate = "adam", 0.01
		var losses []float64
		r := Request{Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: o,
			Progress: func(p Progress) error { losses = append(losses, p.Loss); return nil }}
		if _, err := Run(context.Background(), NewCPU(), m, r); err != nil {
			t.Fatal(err)
		}
		return losses
	}
	plain, normed := run(false), run(true)
	if plain[1] == normed[1] {
		t.Errorf("normalising gradients changed nothing: %v", normed)
	}
	for _, l := range normed {
		if math.IsNaN(l) || math.IsInf(l, 0) {
			t.Fatalf("normalised run went non-finite: %v", normed)
		}
	}
}

// A run that diverges stops with a NonFiniteError and returns the last
// good image, never a NaN one.
func TestNaNStopsWithLastGoodImage(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	o := tinyOptions()
	o.Optimizer, o.LearningRate = "adam", 1e30
	im, err := Run(context.Background(), NewCPU(), m, Request{Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: o})
	var nf *optim.NonFiniteError
	if !errors.As(err, &nf) {
		t.Fatalf("error %v, want a NonFiniteError", err)
	}
	if im == nil {
		t.Fatal("no image returned with the error")
	}
	for i, v := range im.Pix {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("pixel %d of the returned image is %v", i, v)
		}
	}
}
