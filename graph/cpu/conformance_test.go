package cpu_test

import (
	"testing"

	"github.com/vkstyle/vkstyle/graph/cpu"
	"github.com/vkstyle/vkstyle/graph/graphtest"
)

// TestConformance runs the conformance suite on the float64 backend:
// against the float32 reference it exercises the suite and its
// tolerances (a float64 device must be within every float32 tolerance).
func TestConformance(t *testing.T) {
	b := cpu.New64()
	graphtest.TestBackend(t, b)
	if b.Live() != 0 {
		t.Errorf("%d buffers leaked", b.Live())
	}
}

// TestConformanceSelf runs the suite on a second float32 reference, which
// must match exactly where the suite's tolerances allow.
func TestConformanceSelf(t *testing.T) {
	graphtest.TestBackend(t, cpu.New())
}

// TestGoldens compares the reference backend with PyTorch, under a
// tolerance 10 times tighter than devices get: the reference is within
// 2e-7 (relative to the rms) of PyTorch's float64 results.
func TestGoldens(t *testing.T) {
	defer func(tol graphtest.Tol) { graphtest.TolGolden = tol }(graphtest.TolGolden)
	graphtest.TolGolden = graphtest.Tol{Abs: 1e-6, Rel: 1e-5}
	graphtest.TestGoldens(t, cpu.New())
}
