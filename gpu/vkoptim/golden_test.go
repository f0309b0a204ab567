package vkoptim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/optim"
	"github.com/vkstyle/vkstyle/optim/optimtest"
)

// The goldens of package optim (optim/testdata/goldens.json, written by
// PyTorch 1.13 in float64; see optim/testdata/make_goldens.py), replayed on
// the device. The reader is a copy of the subset of optim/golden_test.go
// that the replay needs.
const goldensPath = "../../optim/testdata/goldens.json"

// Golden tolerances, relative to max(|want|_∞, 1e-8) for vectors and
// max(|want|, 1e-8) for losses: optim's for Float32Space. The device
// differs from Float32Space only in Axpy's rounding and the order of
// float32 summation, well inside them (see the test log).
const (
	goldenTol32           = 2e-5
	goldenTol32Rosenbrock = 5e-3 // the curved valley amplifies rounding
)

type goldens struct {
	Format   string `json:"format"`
	Version  int    `json:"version"`
	Problems map[string]struct {
		Kind string      `json:"kind"`
		X0   []float64   `json:"x0"`
		A    [][]float64 `json:"A"`
		B    []float64   `json:"b"`
	} `json:"problems"`
	Runs []goldenRun `json:"runs"`
}

type goldenRun struct {
	Name      string `json:"name"`
	Problem   string `json:"problem"`
	Optimizer string `json:"optimizer"`
	Config    struct {
		LR          float64    `json:"lr"`
		Betas       [2]float64 `json:"betas"`
		Eps         float64    `json:"eps"`
		WeightDecay float64    `json:"weight_decay"`
		MaxIter     int        `json:"max_iter"`
		MaxEval     int        `json:"max_eval"`
		TolGrad     float64    `json:"tolerance_grad"`
		TolChange   float64    `json:"tolerance_change"`
		History     int        `json:"history_size"`
		LineSearch  *string    `json:"line_search_fn"`
	} `json:"config"`
	Steps      int         `json:"steps"`
	StepLosses []float64   `json:"step_losses"`
	X          [][]float64 `json:"x"`
	EvalLosses []float64   `json:"eval_losses"`
	FuncEvals  []int       `json:"func_evals"`
	NIter      []int       `json:"n_iter"`
}

func loadGoldens(t *testing.T) *goldens {
	t.Helper()
	data, err := os.ReadFile(goldensPath)
	if err != nil {
		t.Fatal(err)
	}
	var g goldens
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	if g.Format != "vkstyle-optim-goldens" || g.Version != 1 {
		t.Fatalf("goldens.json: format %q version %d", g.Format, g.Version)
	}
	return &g
}

// rosenbrock is f(x) = (1-x0)² + 100(x1-x0²)², minimum 0 at (1, 1).
func rosenbrock(x, g []float64) float64 {
	a, b := 1-x[0], x[1]-x[0]*x[0]
	g[0] = -2*a - 400*x[0]*b
	g[1] = 200 * b
	return a*a + 100*b*b
}

// leastSquares returns f(x) = ½|Ax - b|² for A given by rows.
func leastSquares(a [][]float64, b []float64) func(x, g []float64) float64 {
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

func (g *goldens) objective(t *testing.T, name string) (func(x, grad []float64) float64, []float64) {
	p, ok := g.Problems[name]
	if !ok {
		t.Fatalf("goldens.json: no problem %q", name)
	}
	switch p.Kind {
	case "rosenbrock":
		return rosenbrock, p.X0
	case "least_squares":
		return leastSquares(p.A, p.B), p.X0
	}
	t.Fatalf("goldens.json: unknown problem kind %q", p.Kind)
	return nil, nil
}

type stepper interface {
	Step(context.Context, optim.Func) (float64, error)
	Close()
}

func newGoldenOptimiser(t *testing.T, s optim.Space, x optim.Vector, r *goldenRun) stepper {
	t.Helper()
	c := r.Config
	switch r.Optimizer {
	case "adam":
		o, err := optim.NewAdam(s, x, optim.AdamConfig{LR: c.LR, Beta1: c.Betas[0], Beta2: c.Betas[1], Eps: c.Eps, WeightDecay: c.WeightDecay})
		if err != nil {
			t.Fatal(err)
		}
		return o
	case "lbfgs":
		cfg := optim.LBFGSConfig{LR: c.LR, MaxIter: c.MaxIter, MaxEval: c.MaxEval, TolGrad: c.TolGrad, TolChange: c.TolChange, History: c.History}
		if c.LineSearch != nil {
			cfg.LineSearch = optim.LineSearch(*c.LineSearch)
		}
		o, err := optim.NewLBFGS(s, x, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	t.Fatalf("unknown optimizer %q", r.Optimizer)
	return nil
}

// TestGoldens replays every golden run (Adam, and L-BFGS without and with
// the strong Wolfe line search) on the device and compares every loss, every
// iterate and L-BFGS's counters with torch's.
func TestGoldens(t *testing.T) {
	g := loadGoldens(t)
	sp := open(t, gpu.Options{})
	for i := range g.Runs {
		r := &g.Runs[i]
		tol := goldenTol32
		if r.Problem == "rosenbrock" {
			tol = goldenTol32Rosenbrock
		}
		t.Run(r.Name, func(t *testing.T) {
			worst := replayGolden(t, g, r, sp, tol)
			t.Logf("worst relative deviation from torch: %.3g (tolerance %.3g)", worst, tol)
			if sp.Live() != 0 {
				t.Errorf("%d vectors live after the run", sp.Live())
			}
		})
	}
}

func replayGolden(t *testing.T, g *goldens, r *goldenRun, s optim.Space, tol float64) float64 {
	hf, x0 := g.objective(t, r.Problem)
	x := newVec(t, s, x0)
	defer s.Free(x)
	var evalLosses []float64
	f := optimtest.HostFunc(s, func(x, grad []float64) float64 {
		loss := hf(x, grad)
		evalLosses = append(evalLosses, loss)
		return loss
	})
	o := newGoldenOptimiser(t, s, x, r)
	defer o.Close()

	worst := 0.0
	rel := func(got, want float64) float64 { return math.Abs(got-want) / math.Max(math.Abs(want), 1e-8) }
	check := func(what string, d float64) {
		t.Helper()
		worst = math.Max(worst, d)
		if !(d <= tol) {
			t.Errorf("%s: relative deviation %.3g > %.3g", what, d, tol)
		}
	}
	for step := 0; step < r.Steps; step++ {
		loss, err := o.Step(context.Background(), f)
		if err != nil {
			t.Fatalf("step %d: %v", step+1, err)
		}
		check(fmt.Sprintf("step %d: returned loss %v, torch %v", step+1, loss, r.StepLosses[step]), rel(loss, r.StepLosses[step]))
		hx := readVec(t, s, x)
		check(fmt.Sprintf("step %d: x = %v, torch %v", step+1, hx, r.X[step]), maxRelDiff(hx, r.X[step], 1e-8))
		if lb, ok := o.(*optim.LBFGS); ok {
			if lb.Evaluations() != r.FuncEvals[step] || lb.Iterations() != r.NIter[step] {
				t.Errorf("step %d: func_evals %d, n_iter %d; torch %d, %d", step+1, lb.Evaluations(), lb.Iterations(), r.FuncEvals[step], r.NIter[step])
			}
		}
	}
	if len(evalLosses) != len(r.EvalLosses) {
		t.Errorf("%d evaluations, torch %d", len(evalLosses), len(r.EvalLosses))
	}
	for i := range min(len(evalLosses), len(r.EvalLosses)) {
		check(fmt.Sprintf("evaluation %d: loss %v, torch %v", i+1, evalLosses[i], r.EvalLosses[i]), rel(evalLosses[i], r.EvalLosses[i]))
	}
	return worst
}

// maxRelDiff returns max_i |a_i - b_i| / max(|b|_∞, floor).
func maxRelDiff(a, b []float64, floor float64) float64 {
	var d, s float64
	for i := range b {
		d = math.Max(d, math.Abs(a[i]-b[i]))
		s = math.Max(s, math.Abs(b[i]))
	}
	return d / math.Max(s, floor)
}
