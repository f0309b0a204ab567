package optim

import (
	"math"
	"testing"
)

func TestCubicInterpolate(t *testing.T) {
	cases := []struct {
		name                   string
		x1, f1, g1, x2, f2, g2 float64
		lo, hi                 float64
		want                   float64
	}{
		// p(x) = x³ - 3x has its minimum at 1.
		{"minimum", 0, 0, -3, 2, 2, 9, 0, 2, 1},
		{"minimum, points swapped", 2, 2, 9, 0, 0, -3, 0, 2, 1},
		{"clamped to the upper bound", 0, 0, -3, 2, 2, 9, 0, 0.5, 0.5},
		{"clamped to the lower bound", 0, 0, -3, 2, 2, 9, 1.5, 2, 1.5},
		// p(x) = x³ + x is monotone: the middle of the bounds.
		{"no minimum", 0, 0, 1, 1, 2, 4, 0, 1, 0.5},
	}
	for _, c := range cases {
		got := cubicInterpolate(c.x1, c.f1, c.g1, c.x2, c.f2, c.g2, c.lo, c.hi)
		if math.Abs(got-c.want) > 1e-15 {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestStrongWolfe checks, for trial steps that need extrapolation and
// zooming, that the step returned satisfies the strong Wolfe conditions,
// that x is left unchanged and that o.g is the gradient at the step.
func TestStrongWolfe(t *testing.T) {
	// f(x) = Σ (x_i⁴/4 + x_i²/2 - x_i·i/3) around x = 0 along d = -g.
	fn := func(x, g []float64) float64 {
		var f float64
		for i, v := range x {
			c := float64(i) / 3
			f += v*v*v*v/4 + v*v/2 - c*v
			g[i] = v*v*v + v - c
		}
		return f
	}
	f := func(x, g Vector) (float64, error) { return fn(x.(Float64Vector), g.(Float64Vector)), nil }
	for _, t0 := range []float64{1e-4, 0.1, 1, 30, 1000} {
		x := make(Float64Vector, 5)
		o, err := NewLBFGS(Float64Space{}, x, LBFGSConfig{LineSearch: StrongWolfe})
		if err != nil {
			t.Fatal(err)
		}
		g := make([]float64, len(x))
		f0 := fn(x, g)
		d := o.d.(Float64Vector)
		for i := range d {
			d[i] = -g[i]
		}
		copy(o.g.(Float64Vector), g)
		copy(o.x0.(Float64Vector), x)
		gtd0 := 0.0
		for i := range g {
			gtd0 += g[i] * d[i]
		}
		fNew, step, evals, err := o.strongWolfe(f, t0, f0, gtd0)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range x {
			if v != 0 {
				t.Fatalf("t0=%g: x[%d] = %v after the line search", t0, i, v)
			}
		}
		xt := make([]float64, len(x))
		for i := range xt {
			xt[i] = step * d[i]
		}
		gt := make([]float64, len(x))
		ft := fn(xt, gt)
		gtd := 0.0
		for i := range gt {
			gtd += gt[i] * d[i]
		}
		if ft != fNew {
			t.Errorf("t0=%g: returned loss %v, loss at step %v", t0, fNew, ft)
		}
		for i := range gt {
			if gt[i] != o.g.(Float64Vector)[i] {
				t.Errorf("t0=%g: o.g is not the gradient at the step", t0)
				break
			}
		}
		armijo := ft <= f0+wolfeC1*step*gtd0
		curvature := math.Abs(gtd) <= -wolfeC2*gtd0
		if !armijo || !curvature {
			t.Errorf("t0=%g: step %v (%d evaluations): sufficient decrease %v, curvature %v", t0, step, evals, armijo, curvature)
		}
		t.Logf("t0=%g: step %.6g after %d evaluations", t0, step, evals)
		o.Close()
	}
}
