package optim_test

import (
	"context"
	"errors"
	"testing"

	"github.com/vkstyle/vkstyle/optim"
	"github.com/vkstyle/vkstyle/optim/optimtest"
)

var lineSearches = []optim.LineSearch{optim.NoLineSearch, optim.StrongWolfe}

func lsName(ls optim.LineSearch) string {
	if ls == optim.NoLineSearch {
		return "none"
	}
	return string(ls)
}

// TestLBFGSConverges runs L-BFGS to the optimum of a random least-squares
// problem and of Rosenbrock, with both line-search modes, in both spaces.
func TestLBFGSConverges(t *testing.T) {
	ls, lsX0 := randomLeastSquares(2, 30, 12)
	cases := []struct {
		name  string
		f     func(x, g []float64) float64
		x0    []float64
		want  []float64
		lr    float64 // without line search
		steps int     // of MaxIter 20
	}{
		{"least_squares", ls.f, lsX0, ls.optimum(), 1, 10},
		{"rosenbrock", rosenbrock, []float64{-1.2, 1}, []float64{1, 1}, 0.5, 20},
	}
	spaces := []struct {
		name string
		s    optim.Space
		tol  float64
	}{{"Float64", optim.Float64Space{}, 1e-8}, {"Float32", optim.Float32Space{}, 1e-5}}
	for _, c := range cases {
		for _, lsm := range lineSearches {
			for _, sp := range spaces {
				t.Run(c.name+"/"+lsName(lsm)+"/"+sp.name, func(t *testing.T) {
					s := sp.s
					x := newVec(t, s, c.x0)
					// No change tolerance (as neural-style-pt): stop on the
					// gradient only.
					cfg := optim.LBFGSConfig{LineSearch: lsm, TolChange: -1, TolGrad: 1e-9}
					if lsm == optim.NoLineSearch {
						cfg.LR = c.lr
					}
					o, err := optim.NewLBFGS(s, x, cfg)
					if err != nil {
						t.Fatal(err)
					}
					defer o.Close()
					f := optimtest.HostFunc(s, c.f)
					for i := 0; i < c.steps; i++ {
						if _, err := o.Step(context.Background(), f); err != nil {
							t.Fatal(err)
						}
					}
					got := readVec(t, s, x)
					d := maxRelDiff(got, c.want, 1)
					if d > sp.tol {
						t.Errorf("x = %v, optimum %v (relative distance %.3g > %.3g)", got, c.want, d, sp.tol)
					}
					t.Logf("distance %.3g after %d iterations, %d evaluations", d, o.Iterations(), o.Evaluations())
				})
			}
		}
	}
}

func TestLBFGSDefaults(t *testing.T) {
	o, err := optim.NewLBFGS(optim.Float64Space{}, optim.Float64Vector{1}, optim.LBFGSConfig{MaxIter: 8})
	if err != nil {
		t.Fatal(err)
	}
	c := o.Config()
	if c.LR != 1 || c.MaxIter != 8 || c.MaxEval != 10 || c.TolGrad != 1e-7 || c.TolChange != 1e-9 || c.History != 100 || c.LineSearch != optim.NoLineSearch {
		t.Errorf("defaults %+v", c)
	}
	if _, err := optim.NewLBFGS(optim.Float64Space{}, optim.Float64Vector{1}, optim.LBFGSConfig{LineSearch: "armijo"}); err == nil {
		t.Error("unknown line search accepted")
	}
}

// TestLBFGSHistory checks that at most History pairs are kept and that an
// optimiser frees all it allocated.
func TestLBFGSHistory(t *testing.T) {
	for _, lsm := range lineSearches {
		t.Run(lsName(lsm), func(t *testing.T) {
			cs := &optimtest.CountingSpace{Inner: optim.Float64Space{}}
			ls, x0 := randomLeastSquares(3, 30, 20)
			x := newVec(t, cs, x0)
			o, err := optim.NewLBFGS(cs, x, optim.LBFGSConfig{History: 3, LineSearch: lsm, MaxIter: 4})
			if err != nil {
				t.Fatal(err)
			}
			f := optimtest.HostFunc(cs, ls.f)
			for i := 0; i < 5; i++ {
				if _, err := o.Step(context.Background(), f); err != nil {
					t.Fatal(err)
				}
				if o.HistoryLen() > 3 {
					t.Fatalf("history %d > 3", o.HistoryLen())
				}
			}
			if o.HistoryLen() != 3 {
				t.Errorf("history %d after %d iterations, want 3", o.HistoryLen(), o.Iterations())
			}
			o.Close()
			o.Close()
			if cs.Live() != 1 {
				t.Errorf("%d vectors live after Close, want 1 (x); %d allocated", cs.Live(), cs.Allocated())
			}
			if _, err := o.Step(context.Background(), f); !errors.Is(err, optim.ErrClosed) {
				t.Errorf("Step after Close: %v", err)
			}
		})
	}
}

// TestLBFGSCallback checks the per-iteration callback's values and that an
// error from it or a cancelled context stops Step, leaving the optimiser
// usable.
func TestLBFGSCallback(t *testing.T) {
	ls, x0 := randomLeastSquares(4, 30, 12)
	s := optim.Float64Space{}
	x := newVec(t, s, x0)
	var its []optim.Iteration
	stop := errors.New("stop")
	o, err := optim.NewLBFGS(s, x, optim.LBFGSConfig{
		LineSearch: optim.StrongWolfe,
		Callback: func(it optim.Iteration) error {
			its = append(its, it)
			if it.Iter == 3 {
				return stop
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	f := optimtest.HostFunc(s, ls.f)
	if _, err := o.Step(context.Background(), f); !errors.Is(err, stop) {
		t.Fatalf("Step returned %v, want the callback's error", err)
	}
	if len(its) != 3 || o.Iterations() != 3 {
		t.Fatalf("%d callbacks, %d iterations; want 3", len(its), o.Iterations())
	}
	for i, it := range its {
		if it.Iter != i+1 || it.Evals < i+2 || !(it.Loss > 0) || !(it.Step > 0) {
			t.Errorf("callback %d: %+v", i, it)
		}
		if i > 0 && it.Loss > its[i-1].Loss {
			t.Errorf("loss rose: %+v after %+v", it, its[i-1])
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	o.SetCallback(func(it optim.Iteration) error {
		if it.Iter == 5 {
			cancel()
		}
		return nil
	})
	if _, err := o.Step(ctx, f); !errors.Is(err, context.Canceled) {
		t.Fatalf("Step returned %v, want context.Canceled", err)
	}
	if o.Iterations() != 5 {
		t.Errorf("%d iterations after cancellation at 5", o.Iterations())
	}
	o.SetCallback(nil)
	if _, err := o.Step(context.Background(), f); err != nil {
		t.Errorf("Step after a stop: %v", err)
	}
}
