package optim

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// The vector-free two-loop gives the textbook two-loop's direction (Nocedal
// & Wright, Algorithm 7.4) in float64, on random pairs with sᵀy > 0.
func TestVectorFreeMatchesTwoLoop(t *testing.T) {
	const n, k = 40, 7
	r := rand.New(rand.NewPCG(5, 6))
	vec := func() []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = r.NormFloat64()
		}
		return v
	}
	dot := func(a, b []float64) float64 {
		s := 0.0
		for i := range a {
			s += a[i] * b[i]
		}
		return s
	}
	var ss, ys [][]float64
	var ro []float64
	for len(ss) < k {
		s, y := vec(), vec()
		for i := range y {
			y[i] += 2 * s[i] // mostly positive curvature
		}
		if sy := dot(s, y); sy > 0 {
			ss, ys, ro = append(ss, s), append(ys, y), append(ro, 1/sy)
		}
	}
	g := vec()
	hDiag := dot(ss[k-1], ys[k-1]) / dot(ys[k-1], ys[k-1])

	// The textbook loop.
	q := make([]float64, n)
	for i := range q {
		q[i] = -g[i]
	}
	al := make([]float64, k)
	for i := k - 1; i >= 0; i-- {
		al[i] = ro[i] * dot(ss[i], q)
		for j := range q {
			q[j] -= al[i] * ys[i][j]
		}
	}
	for j := range q {
		q[j] *= hDiag
	}
	for i := range k {
		be := ro[i] * dot(ys[i], q)
		for j := range q {
			q[j] += (al[i] - be) * ss[i][j]
		}
	}

	// The vector-free one.
	var h gramHistory
	h.ss, h.sy, h.yy = make([][]float64, k), make([][]float64, k), make([][]float64, k)
	for i := range k {
		for j := range k {
			h.ss[i] = append(h.ss[i], dot(ss[i], ss[j]))
			h.sy[i] = append(h.sy[i], dot(ss[i], ys[j]))
			h.yy[i] = append(h.yy[i], dot(ys[i], ys[j]))
		}
		h.gs, h.gy = append(h.gs, dot(g, ss[i])), append(h.gy, dot(g, ys[i]))
	}
	cs, cy, cg := h.direction(ro, hDiag)
	var worst float64
	for j := range n {
		d := cg * g[j]
		for i := range k {
			d += cs[i]*ss[i][j] + cy[i]*ys[i][j]
		}
		worst = max(worst, math.Abs(d-q[j])/(math.Abs(q[j])+1e-12))
	}
	if worst > 1e-10 {
		t.Errorf("vector-free direction differs from the two-loop's by %.3g relative", worst)
	}
}

// failingRead is a Float64Space whose Read fails from the after-th call on.
type failingRead struct {
	Float64Space
	calls, after int
}

func (f *failingRead) Read(v Vector, dst []float64) error {
	f.calls++
	if f.calls >= f.after {
		return errors.New("device lost")
	}
	return f.Float64Space.Read(v, dst)
}

// When the history's products cannot be read back, Step returns the
// Space's error, whichever read fails, and does not panic.
func TestLBFGSProductsReadFails(t *testing.T) {
	for after := 1; after <= 4; after++ {
		sp := &failingRead{after: after}
		x := Float64Vector{1, -2, 3}
		o, err := NewLBFGS(sp, x, LBFGSConfig{MaxIter: 5, TolGrad: -1, TolChange: -1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Step(context.Background(), quadratic); !containsDeviceLost(err) {
			t.Errorf("read %d fails: Step returned %v, want the Space's error", after, err)
		}
		o.Close()
	}
	// After a restore the products are taken whole first: that read
	// failing is reported too.
	good := Float64Vector{1, -2, 3}
	o, err := NewLBFGS(Float64Space{}, good, LBFGSConfig{MaxIter: 4, TolGrad: -1, TolChange: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if _, err := o.Step(context.Background(), quadratic); err != nil {
		t.Fatal(err)
	}
	state, err := o.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewLBFGS(&failingRead{after: 1}, Float64Vector{0, 0, 0}, LBFGSConfig{MaxIter: 4, TolGrad: -1, TolChange: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Step(context.Background(), quadratic); !containsDeviceLost(err) {
		t.Errorf("the rebuild's read fails: Step returned %v, want the Space's error", err)
	}
}

// quadratic is Σ (i+1)·x_i²/2.
func quadratic(x, g Vector) (float64, error) {
	xs, gs := x.(Float64Vector), g.(Float64Vector)
	l := 0.0
	for i := range xs {
		gs[i] = float64(i+1) * xs[i]
		l += 0.5 * float64(i+1) * xs[i] * xs[i]
	}
	return l, nil
}

func containsDeviceLost(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if e.Error() == "device lost" {
			return true
		}
	}
	return false
}
