package vkoptim_test

import (
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/optim/optimtest"
)

// TestGoldens replays every golden run of package optim
// (optim/testdata/goldens.json, written by PyTorch 1.13 in float64: Adam,
// and L-BFGS without and with the strong Wolfe line search) on the device
// and compares every loss, every iterate and L-BFGS's counters with torch's;
// each run must free all its vectors (see optimtest.ReplayGoldens). The
// tolerances are Float32Space's (optimtest.Tol32): the device differs from
// it only in Axpy's rounding and the order of float32 summation, well
// inside them (see the test log).
func TestGoldens(t *testing.T) {
	g, err := optimtest.LoadGoldens(optimtest.GoldensPath())
	if err != nil {
		t.Fatal(err)
	}
	optimtest.ReplayGoldens(t, open(t, gpu.Options{}), g, optimtest.Tol32)
}
