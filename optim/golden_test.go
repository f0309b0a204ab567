package optim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/vkstyle/vkstyle/optim"
	"github.com/vkstyle/vkstyle/optim/optimtest"
)

// goldens mirrors testdata/goldens.json, written by testdata/make_goldens.py
// (whose docstring documents the format) with PyTorch 1.13 in float64.
type goldens struct {
	Format   string `json:"format"`
	Version  int    `json:"version"`
	Torch    string `json:"torch_version"`
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

// Golden tolerances, relative to max(|want|_∞, 1e-8) for vectors and
// max(|want|, 1e-8) for losses.
const (
	// goldenTol64 is for Float64Space: the same algorithm in the same
	// precision; only the order of summation in dot products (and torch's
	// use of fused multiply-add) differs.
	goldenTol64 = 1e-6
	// goldenTol32 is for Float32Space, whose vectors are rounded to float32
	// (relative 6e-8) at every operation while torch ran in float64; over 20
	// steps this grows to at most 3e-6 (see TestGoldens's log), except:
	goldenTol32 = 2e-5
	// goldenTol32Rosenbrock is for Float32Space on Rosenbrock, whose curved
	// valley amplifies the rounding: the strong Wolfe runs deviate by up to
	// 1.1e-3 (at a trial point far up the valley wall), though they take the
	// same steps and evaluations as torch.
	goldenTol32Rosenbrock = 5e-3
)

func loadGoldens(t *testing.T) *goldens {
	t.Helper()
	data, err := os.ReadFile("testdata/goldens.json")
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

// objective returns the host objective of a golden problem.
func (g *goldens) objective(t *testing.T, name string) (func(x, grad []float64) float64, []float64) {
	p, ok := g.Problems[name]
	if !ok {
		t.Fatalf("goldens.json: no problem %q", name)
	}
	switch p.Kind {
	case "rosenbrock":
		return rosenbrock, p.X0
	case "least_squares":
		ls := &leastSquares{m: len(p.A), n: len(p.X0), b: p.B}
		for _, row := range p.A {
			ls.a = append(ls.a, row...)
		}
		return ls.f, p.X0
	}
	t.Fatalf("goldens.json: unknown problem kind %q", p.Kind)
	return nil, nil
}

// goldenStepper is one optimiser behind a common interface.
type goldenStepper interface {
	Step(context.Context, optim.Func) (float64, error)
	Close()
}

func newGoldenOptimiser(t *testing.T, s optim.Space, x optim.Vector, r *goldenRun) goldenStepper {
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

// TestGoldens replays every run of goldens.json on Float64Space and
// Float32Space and compares the loss of every evaluation, the value returned
// by every Step, the iterate after every Step and L-BFGS's counters.
func TestGoldens(t *testing.T) {
	g := loadGoldens(t)
	spaces := []struct {
		name string
		s    optim.Space
		tol  float64
	}{
		{"Float64", optim.Float64Space{}, goldenTol64},
		{"Float32", optim.Float32Space{}, goldenTol32},
	}
	for _, sp := range spaces {
		for i := range g.Runs {
			r := &g.Runs[i]
			tol := sp.tol
			if sp.tol == goldenTol32 && r.Problem == "rosenbrock" {
				tol = goldenTol32Rosenbrock
			}
			t.Run(sp.name+"/"+r.Name, func(t *testing.T) {
				worst := replayGolden(t, g, r, sp.s, tol)
				t.Logf("worst relative deviation from torch: %.3g (tolerance %.3g)", worst, tol)
			})
		}
	}
}

// replayGolden runs r on s and returns the worst relative deviation. The
// counts of evaluations and iterations must match torch's exactly, in both
// precisions.
func replayGolden(t *testing.T, g *goldens, r *goldenRun, s optim.Space, tol float64) float64 {
	hf, x0 := g.objective(t, r.Problem)
	x, err := s.New(len(x0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Free(x)
	if err := s.Write(x, x0); err != nil {
		t.Fatal(err)
	}
	var evalLosses []float64
	f := optimtest.HostFunc(s, func(x, grad []float64) float64 {
		loss := hf(x, grad)
		evalLosses = append(evalLosses, loss)
		return loss
	})
	o := newGoldenOptimiser(t, s, x, r)
	defer o.Close()

	worst := 0.0
	rel := func(got, want float64) float64 {
		return math.Abs(got-want) / math.Max(math.Abs(want), 1e-8)
	}
	check := func(what string, d float64) {
		t.Helper()
		worst = math.Max(worst, d)
		if !(d <= tol) {
			t.Errorf("%s: relative deviation %.3g > %.3g", what, d, tol)
		}
	}
	hx := make([]float64, len(x0))
	for step := 0; step < r.Steps; step++ {
		loss, err := o.Step(context.Background(), f)
		if err != nil {
			t.Fatalf("step %d: %v", step+1, err)
		}
		check(fmt.Sprintf("step %d: returned loss %v, torch %v", step+1, loss, r.StepLosses[step]), rel(loss, r.StepLosses[step]))
		if err := s.Read(x, hx); err != nil {
			t.Fatal(err)
		}
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
