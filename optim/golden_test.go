package optim_test

import (
	"testing"

	"github.com/vkstyle/vkstyle/optim"
	"github.com/vkstyle/vkstyle/optim/optimtest"
)

// TestGoldens replays every run of testdata/goldens.json (written by
// testdata/make_goldens.py with PyTorch 1.13 in float64) on Float64Space and
// Float32Space and compares the loss of every evaluation, the value returned
// by every Step, the iterate after every Step and L-BFGS's counters; the
// counts of evaluations and iterations must match torch's exactly, in both
// precisions (see optimtest.ReplayGoldens and its tolerances).
func TestGoldens(t *testing.T) {
	g, err := optimtest.LoadGoldens(optimtest.GoldensPath())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("Float64", func(t *testing.T) { optimtest.ReplayGoldens(t, optim.Float64Space{}, g, optimtest.Tol64) })
	t.Run("Float32", func(t *testing.T) { optimtest.ReplayGoldens(t, optim.Float32Space{}, g, optimtest.Tol32) })
}
