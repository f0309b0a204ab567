package optim_test

import (
	"testing"

	"github.com/vkstyle/vkstyle/optim"
	"github.com/vkstyle/vkstyle/optim/optimtest"
)

// Golden tolerances, relative to max(|want|_∞, 1e-8) for vectors and
// max(|want|, 1e-8) for losses.
const (
	// goldenTol64 is for Float64Space: the same algorithm in the same
	// precision; only the order of summation in dot products (and torch's
	// use of fused multiply-add) differs.
	goldenTol64 = 1e-6
	// goldenTol32 is for Float32Space, whose vectors are rounded to float32
	// (relative 6e-8) at every operation while torch ran in float64; over 20
	// steps this grows to at most 3e-6 (see TestGoldens's log), except:
	goldenTol32 = 2e-5
	// goldenTol32Rosenbrock is for Float32Space on Rosenbrock, whose curved
	// valley amplifies the rounding: the strong Wolfe runs deviate by up to
	// 1.1e-3 (at a trial point far up the valley wall), though they take the
	// same steps and evaluations as torch.
	goldenTol32Rosenbrock = 5e-3
)

// TestGoldens replays every run of testdata/goldens.json (written by
// testdata/make_goldens.py with PyTorch 1.13 in float64) on Float64Space and
// Float32Space and compares the loss of every evaluation, the value returned
// by every Step, the iterate after every Step and L-BFGS's counters; the
// counts of evaluations and iterations must match torch's exactly, in both
// precisions (see optimtest.ReplayGoldens).
func TestGoldens(t *testing.T) {
	g, err := optimtest.LoadGoldens("testdata/goldens.json")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("Float64", func(t *testing.T) {
		optimtest.ReplayGoldens(t, optim.Float64Space{}, g, func(*optimtest.GoldenRun) float64 { return goldenTol64 })
	})
	t.Run("Float32", func(t *testing.T) {
		optimtest.ReplayGoldens(t, optim.Float32Space{}, g, func(r *optimtest.GoldenRun) float64 {
			if r.Problem == "rosenbrock" {
				return goldenTol32Rosenbrock
			}
			return goldenTol32
		})
	})
}
