package graphtest

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// Tol is a comparison tolerance: element i matches when
//
//	|got[i] − want[i]| ≤ Abs·rms(want) + Rel·|want[i]|
//
// Abs is measured in units of the root mean square of want (1 if want is
// all zeros), so it bounds the error of an element that is small because
// of cancellation in a tensor of typical magnitude rms(want); Rel bounds
// the error of the others. NaN never matches.
type Tol struct{ Abs, Rel float64 }

// Named tolerances for float32 devices against the float64-accumulating
// reference. They are a few times the worst error float32 accumulation
// in any order gives on the suite's shapes.
var (
	// TolExact is for kernels that only move values: Fill, Copy, ReLU,
	// max pooling, and the kink cases.
	TolExact = Tol{}
	// TolElementwise is for one or two roundings per element: Axpy,
	// Scale, average pooling.
	TolElementwise = Tol{Abs: 1e-6, Rel: 1e-6}
	// TolNormalize is for AxpyNormalized: each element adds g·s with the
	// scale s = w/(norm + w·eps) computed in float32, a division (2.5 ulp
	// in Vulkan) after two roundings, then one fma.
	TolNormalize = Tol{Abs: 1e-5, Rel: 1e-5}
	// TolResize is for bilinear resizes, whose backward sums up to a few
	// dozen weighted samples per element.
	TolResize = Tol{Abs: 1e-5, Rel: 1e-5}
	// TolConv is for convolutions, forward and backward: sums of up to a
	// few thousand products.
	TolConv = Tol{Abs: 1e-5, Rel: 1e-4}
	// TolReduce is for long reductions: Gram, MSE, TV, mean and std, L1
	// norm.
	TolReduce = Tol{Abs: 1e-5, Rel: 1e-4}
	// TolSqrtm is for the Newton–Schulz square root and its backward: 12
	// iterations of three (five) matrix products each, errors compounding
	// with the matrix's condition number.
	TolSqrtm = Tol{Abs: 1e-4, Rel: 1e-3}
	// TolNet is for a whole forward and backward graph, errors compounding
	// through layers.
	TolNet = Tol{Abs: 1e-4, Rel: 1e-3}
	// TolGolden is for comparisons with PyTorch's results (computed in
	// float64 and stored as float32).
	TolGolden = Tol{Abs: 1e-5, Rel: 1e-4}
)

// Compare reports (with t.Errorf) whether got matches want under tol. On
// failure it prints how many elements are off, the worst index with its
// values, and the first few mismatches.
func Compare(t testing.TB, name string, got, want []float32, tol Tol) bool {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d values, want %d", name, len(got), len(want))
		return false
	}
	var ss float64
	for _, w := range want {
		ss += float64(w) * float64(w)
	}
	rms := math.Sqrt(ss / float64(max(len(want), 1)))
	if rms == 0 || math.IsNaN(rms) || math.IsInf(rms, 0) {
		rms = 1
	}
	worst, wi := 0.0, -1
	var bad []int
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		d := math.Abs(g - w)
		bound := tol.Abs*rms + tol.Rel*math.Abs(w)
		ratio := d / bound
		if bound == 0 {
			ratio = 0
			if d != 0 {
				ratio = math.Inf(1)
			}
		}
		if math.IsNaN(d) {
			if math.IsNaN(g) && math.IsNaN(w) {
				continue
			}
			ratio = math.Inf(1)
		}
		if ratio > 1 {
			bad = append(bad, i)
		}
		if ratio > worst || wi < 0 {
			worst, wi = ratio, i
		}
	}
	if len(bad) == 0 {
		return true
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d of %d elements off (tol %g·rms %.4g + %g·|want|); worst at [%d]: got %.8g, want %.8g (%.3g× tol)",
		name, len(bad), len(want), tol.Abs, rms, tol.Rel, wi, got[wi], want[wi], worst)
	for _, i := range bad[:min(len(bad), 4)] {
		fmt.Fprintf(&b, "\n\t[%d] got %.8g want %.8g", i, got[i], want[i])
	}
	t.Errorf("%s", b.String())
	return false
}
