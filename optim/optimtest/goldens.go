package optimtest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/vkstyle/vkstyle/optim"
)

// Goldens are reference runs of torch.optim.Adam and torch.optim.LBFGS:
// optim/testdata/goldens.json, written by optim/testdata/make_goldens.py
// (whose docstring documents the format) with PyTorch 1.13 in float64.
type Goldens struct {
	Format   string                   `json:"format"`
	Version  int                      `json:"version"`
	Torch    string                   `json:"torch_version"`
	Problems map[string]GoldenProblem `json:"problems"`
	Runs     []GoldenRun              `json:"runs"`
}

// GoldensPath returns the path of optim/testdata/goldens.json in the
// source tree this package was built from.
func GoldensPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "goldens.json")
}

// Golden tolerances for ReplayGoldens, relative to max(|want|_∞, 1e-8)
// for vectors and max(|want|, 1e-8) for losses.
const (
	// GoldenTol64 is for a float64 space: the same algorithm in the same
	// precision; only the order of summation in dot products (and torch's
	// use of fused multiply-add) differs.
	GoldenTol64 = 1e-6
	// GoldenTol32 is for a float32 space, whose vectors are rounded to
	// float32 (relative 6e-8) at every operation while torch ran in
	// float64; over 20 steps this grows to at most 3e-6 (see the replay's
	// log), except on Rosenbrock:
	GoldenTol32 = 2e-5
	// GoldenTol32Rosenbrock is for a float32 space on Rosenbrock, whose
	// curved valley amplifies the rounding: the strong Wolfe runs deviate
	// by up to 1.1e-3 (at a trial point far up the valley wall), though
	// they take the same steps and evaluations as torch.
	GoldenTol32Rosenbrock = 5e-3
)

// Tol64 is ReplayGoldens's tolerance for a float64 space.
func Tol64(*GoldenRun) float64 { return GoldenTol64 }

// Tol32 is ReplayGoldens's tolerance for a float32 space (Float32Space, a
// device's): GoldenTol32, or GoldenTol32Rosenbrock on Rosenbrock.
func Tol32(r *GoldenRun) float64 {
	if r.Problem == "rosenbrock" {
		return GoldenTol32Rosenbrock
	}
	return GoldenTol32
}

// GoldenProblem is an objective of the goldens and its start x0: Kind
// "rosenbrock" (Rosenbrock) or "least_squares", ½|Ax - b|² with A given by
// rows.
type GoldenProblem struct {
	Kind string      `json:"kind"`
	X0   []float64   `json:"x0"`
	A    [][]float64 `json:"A"`
	B    []float64   `json:"b"`
}

// GoldenRun is one run of the goldens: an optimiser configured as torch's,
// its Steps on a problem, and what torch computed.
type GoldenRun struct {
	Name      string `json:"name"`
	Problem   string `json:"problem"`   // a key of Goldens.Problems
	Optimizer string `json:"optimizer"` // "adam" or "lbfgs"
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
	StepLosses []float64   `json:"step_losses"` // returned by each step
	X          [][]float64 `json:"x"`           // after each step
	EvalLosses []float64   `json:"eval_losses"` // of each evaluation
	FuncEvals  []int       `json:"func_evals"`  // L-BFGS's, after each step
	NIter      []int       `json:"n_iter"`      // L-BFGS's, after each step
}

// LoadGoldens reads the goldens from path (optim/testdata/goldens.json) and
// checks their format and version.
func LoadGoldens(path string) (*Goldens, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var g Goldens
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if g.Format != "vkstyle-optim-goldens" || g.Version != 1 {
		return nil, fmt.Errorf("%s: format %q version %d", path, g.Format, g.Version)
	}
	return &g, nil
}

// ReplayGoldens replays every run of g on s, each in a subtest named after
// the run, and compares the loss of every evaluation, the value returned by
// every Step and the iterate after every Step with torch's, relative to
// max(|want|, 1e-8) for losses and max(|want|_∞, 1e-8) for iterates: each
// relative deviation must be at most tol(run), and the worst is logged.
// L-BFGS's counts of evaluations and iterations must match torch's exactly.
// If s has a method Live() int (CountingSpace, a GPU Space), each run must
// leave it as it found it.
func ReplayGoldens(t *testing.T, s optim.Space, g *Goldens, tol func(r *GoldenRun) float64) {
	t.Helper()
	for i := range g.Runs {
		r := &g.Runs[i]
		t.Run(r.Name, func(t *testing.T) {
			rt := tol(r)
			live, counts := liveVectors(s)
			worst := replayGolden(t, s, g, r, rt)
			t.Logf("worst relative deviation from torch: %.3g (tolerance %.3g)", worst, rt)
			if counts {
				if after, _ := liveVectors(s); after != live {
					t.Errorf("%d vectors live after the run, %d before", after, live)
				}
			}
		})
	}
}

// replayGolden runs r on s and returns the worst relative deviation.
func replayGolden(t *testing.T, s optim.Space, g *Goldens, r *GoldenRun, tol float64) float64 {
	hf, x0 := g.objective(t, r.Problem)
	x := NewVec(t, s, x0)
	defer s.Free(x)
	var evalLosses []float64
	f := HostFunc(s, func(x, grad []float64) float64 {
		loss := hf(x, grad)
		evalLosses = append(evalLosses, loss)
		return loss
	})
	o := r.newOptimiser(t, s, x)
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
	for step := 0; step < r.Steps; step++ {
		loss, err := o.Step(context.Background(), f)
		if err != nil {
			t.Fatalf("step %d: %v", step+1, err)
		}
		check(fmt.Sprintf("step %d: returned loss %v, torch %v", step+1, loss, r.StepLosses[step]), rel(loss, r.StepLosses[step]))
		hx := ReadVec(t, s, x)
		check(fmt.Sprintf("step %d: x = %v, torch %v", step+1, hx, r.X[step]), MaxRelDiff(hx, r.X[step], 1e-8))
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

// objective returns the host objective of the named problem and its start.
func (g *Goldens) objective(t *testing.T, name string) (func(x, grad []float64) float64, []float64) {
	t.Helper()
	p, ok := g.Problems[name]
	if !ok {
		t.Fatalf("goldens: no problem %q", name)
	}
	switch p.Kind {
	case "rosenbrock":
		return Rosenbrock, p.X0
	case "least_squares":
		return LeastSquares(p.A, p.B), p.X0
	}
	t.Fatalf("goldens: unknown problem kind %q", p.Kind)
	return nil, nil
}

// newOptimiser returns the optimiser of r on s, optimising x.
func (r *GoldenRun) newOptimiser(t *testing.T, s optim.Space, x optim.Vector) Optimiser {
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
	t.Fatalf("goldens: unknown optimizer %q", r.Optimizer)
	return nil
}
