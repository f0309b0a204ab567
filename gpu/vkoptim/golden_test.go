package vkoptim_test

import (
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/optim/optimtest"
)

// Golden tolerances, relative to max(|want|_∞, 1e-8) for vectors and
// max(|want|, 1e-8) for losses: optim's for Float32Space. The device
// differs from Float32Space only in Axpy's rounding and the order of
// float32 summation, well inside them (see the test log).
const (
	goldenTol32           = 2e-5
	goldenTol32Rosenbrock = 5e-3 // the curved valley amplifies rounding
)

// TestGoldens replays every golden run of package optim
// (optim/testdata/goldens.json, written by PyTorch 1.13 in float64: Adam,
// and L-BFGS without and with the strong Wolfe line search) on the device
// and compares every loss, every iterate and L-BFGS's counters with torch's;
// each run must free all its vectors (see optimtest.ReplayGoldens).
func TestGoldens(t *testing.T) {
	g, err := optimtest.LoadGoldens("../../optim/testdata/goldens.json")
	if err != nil {
		t.Fatal(err)
	}
	optimtest.ReplayGoldens(t, open(t, gpu.Options{}), g, func(r *optimtest.GoldenRun) float64 {
		if r.Problem == "rosenbrock" {
			return goldenTol32Rosenbrock
		}
		return goldenTol32
	})
}
