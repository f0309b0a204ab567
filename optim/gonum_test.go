package optim_test

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"

	"github.com/vkstyle/vkstyle/optim"
)

// Comparison with gonum.org/v1/gonum/optimize.LBFGS.
//
// Iterates cannot agree: gonum's line searches (More–Thuente, Bisection,
// Backtracking) choose different step lengths from torch's strong Wolfe
// search, and gonum's first trial step is 1/|g|₂ where torch's is
// min(1, 1/|g|₁)·lr. What both implement identically is the direction, the
// two-loop recursion of Nocedal & Wright Algorithm 7.4 with H₀ = (sᵀy/yᵀy)·I.
// So TestGonumDirections replays our iterates through gonum's
// InitDirection/NextDirection and compares the directions, and
// TestGonumOptimum compares the optima the two reach.

// TestGonumDirections runs our L-BFGS (strong Wolfe, History 5, so that
// pairs are dropped) on a least-squares problem and checks at each of its
// iterates that gonum's LBFGS, fed the same iterates and gradients, computes
// the same search direction.
func TestGonumDirections(t *testing.T) {
	const history = 5
	ls, x0 := randomLeastSquares(5, 40, 16)
	s := optim.Float64Space{}
	x := optim.Float64Vector(append([]float64(nil), x0...))
	n := len(x)

	// Our iterates x_k and steps t_k; d_k = (x_{k+1}-x_k)/t_k.
	xs := [][]float64{append([]float64(nil), x...)}
	var ts []float64
	o, err := optim.NewLBFGS(s, x, optim.LBFGSConfig{
		LineSearch: optim.StrongWolfe, History: history, MaxIter: 14, TolChange: -1,
		Callback: func(it optim.Iteration) error {
			xs = append(xs, append([]float64(nil), x...))
			ts = append(ts, it.Step)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	f := func(xv, gv optim.Vector) (float64, error) {
		return ls.f(xv.(optim.Float64Vector), gv.(optim.Float64Vector)), nil
	}
	if _, err := o.Step(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	if len(ts) < 10 {
		t.Fatalf("only %d iterations", len(ts))
	}

	g := &optimize.LBFGS{Store: history}
	dir := make([]float64, n)
	grad := make([]float64, n)
	compared := 0
	for k := range ts {
		ls.f(xs[k], grad)
		if floats.Norm(grad, math.Inf(1)) < 1e-6 {
			break // x_{k+1}-x_k is then too small to recover d_k accurately
		}
		loc := &optimize.Location{X: xs[k], Gradient: grad}
		if k == 0 {
			g.InitDirection(loc, dir)
		} else {
			g.NextDirection(loc, dir)
		}
		ours := make([]float64, n)
		for i := range ours {
			ours[i] = (xs[k+1][i] - xs[k][i]) / ts[k]
		}
		if d := maxRelDiff(ours, dir, 0); d > 1e-7 {
			t.Errorf("iteration %d: direction differs from gonum's by %.3g relative\nours  %v\ngonum %v", k+1, d, ours, dir)
		}
		compared++
	}
	t.Logf("compared %d directions (history %d, so pairs were dropped from iteration %d on)", compared, history, history+2)
	if compared < 8 {
		t.Errorf("compared only %d directions", compared)
	}
}

// TestGonumOptimum checks that our L-BFGS (both line-search modes) and
// gonum's (More–Thuente line search) reach the same optimum.
func TestGonumOptimum(t *testing.T) {
	ls, x0 := randomLeastSquares(6, 40, 16)
	problems := []struct {
		name string
		f    func(x, g []float64) float64
		x0   []float64
		lr   float64
	}{
		{"least_squares", ls.f, x0, 1},
		{"rosenbrock", rosenbrock, []float64{-1.2, 1}, 0.5},
	}
	for _, p := range problems {
		gr := make([]float64, len(p.x0))
		res, err := optimize.Minimize(optimize.Problem{
			Func: func(x []float64) float64 { return p.f(x, gr) },
			Grad: func(g, x []float64) { p.f(x, g) },
		}, p.x0, &optimize.Settings{GradientThreshold: 1e-8, Converger: optimize.NeverTerminate{}},
			&optimize.LBFGS{Store: 10, Linesearcher: &optimize.MoreThuente{}})
		if err != nil {
			t.Fatalf("%s: gonum: %v", p.name, err)
		}
		for _, lsm := range lineSearches {
			x := optim.Float64Vector(append([]float64(nil), p.x0...))
			cfg := optim.LBFGSConfig{LineSearch: lsm, History: 10, TolChange: -1, TolGrad: 1e-8, MaxIter: 500}
			if lsm == optim.NoLineSearch {
				cfg.LR = p.lr
			}
			o, err := optim.NewLBFGS(optim.Float64Space{}, x, cfg)
			if err != nil {
				t.Fatal(err)
			}
			f := func(xv, gv optim.Vector) (float64, error) {
				return p.f(xv.(optim.Float64Vector), gv.(optim.Float64Vector)), nil
			}
			if _, err := o.Step(context.Background(), f); err != nil {
				t.Fatal(err)
			}
			o.Close()
			if d := maxRelDiff(x, res.X, 1); d > 1e-7 {
				t.Errorf("%s/%s: optimum %v, gonum's %v (relative distance %.3g)", p.name, lsName(lsm), []float64(x), res.X, d)
			}
			t.Logf("%s/%s: %d iterations, %d evaluations; gonum %d iterations, %d evaluations (%v)",
				p.name, lsName(lsm), o.Iterations(), o.Evaluations(), res.Stats.MajorIterations, res.Stats.FuncEvaluations, res.Status)
		}
	}
}
