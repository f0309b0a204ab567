package optimtest

import (
	"math"
	"testing"

	"github.com/vkstyle/vkstyle/optim"
)

// Rosenbrock is f(x) = (1-x0)² + 100(x1-x0²)², minimum 0 at (1, 1); it
// writes the gradient to g.
func Rosenbrock(x, g []float64) float64 {
	a, b := 1-x[0], x[1]-x[0]*x[0]
	g[0] = -2*a - 400*x[0]*b
	g[1] = 200 * b
	return a*a + 100*b*b
}

// LeastSquares returns f(x) = ½|Ax - b|², A given by rows, which writes the
// gradient Aᵀ(Ax - b) to g. The function reuses a buffer: it is not safe
// for concurrent use.
func LeastSquares(a [][]float64, b []float64) func(x, g []float64) float64 {
	r := make([]float64, len(a))
	return func(x, g []float64) float64 {
		var loss float64
		for i, row := range a {
			ri := -b[i]
			for j, aij := range row {
				ri += aij * x[j]
			}
			r[i] = ri
			loss += ri * ri
		}
		for j := range g {
			g[j] = 0
			for i, row := range a {
				g[j] += row[j] * r[i]
			}
		}
		return 0.5 * loss
	}
}

// MaxRelDiff returns max_i |a_i - b_i| / max(|b|_∞, floor).
func MaxRelDiff(a, b []float64, floor float64) float64 {
	var d, s float64
	for i := range b {
		d = math.Max(d, math.Abs(a[i]-b[i]))
		s = math.Max(s, math.Abs(b[i]))
	}
	return d / math.Max(s, floor)
}

// EqualBits reports whether a and b hold the same float64 values bit for
// bit.
func EqualBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// NewVec returns a new vector of s holding h, failing t on an error.
func NewVec(t testing.TB, s optim.Space, h []float64) optim.Vector {
	t.Helper()
	v := mustNew(t, s, len(h))
	must(t, s.Write(v, h))
	return v
}

// ReadVec returns the contents of v, failing t on an error.
func ReadVec(t testing.TB, s optim.Space, v optim.Vector) []float64 {
	t.Helper()
	h := make([]float64, v.Len())
	must(t, s.Read(v, h))
	return h
}

// liveVectors returns s.Live() and true if s has that method (CountingSpace
// and GPU Spaces count their vectors), else 0 and false.
func liveVectors(s optim.Space) (int, bool) {
	if c, ok := s.(interface{ Live() int }); ok {
		return c.Live(), true
	}
	return 0, false
}
