package vkoptim_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/optim"
	"github.com/vkstyle/vkstyle/optim/optimtest"
)

// trajN is the length of the trajectory problem: more than one reduction
// work group (4096 elements on lavapipe), so reductions take two passes.
const trajN = 5000

// trajTol bounds the deviation of the device's trajectory from
// Float32Space's, relative to max(|want|_∞, 1) for iterates and max(|want|,
// 1) for losses: the same float32 model but for Axpy's single rounding and
// float32 tree summation. Against Float64Space the device may deviate as
// much as Float32Space does plus trajTol: float32 rounding of x changes
// losses at the 1e-7 level, which the line search's cubic interpolation
// over short trial steps turns into different trial points (Float32Space
// and Float64Space part at the third evaluation of the strong Wolfe run, and
// only the losses they converge to agree). Observed on lavapipe: at most
// 5e-6 from Float32Space (the strong Wolfe run).
const trajTol = 1e-4

// problem is f(x) = Σ ½d_i x_i² - Σ x_i x_{i+1} + Σ c x_i⁴/4 - Σ b_i x_i, with
// d_i in [2.5, 6.5]: a strictly convex, diagonally dominant quadratic plus a
// quartic, so the line search has work to do.
type problem struct {
	d, b []float64
	c    float64
}

func newProblem(seed uint64, n int) (*problem, []float64) {
	rng := rand.New(rand.NewPCG(seed, 9))
	p := &problem{d: make([]float64, n), b: make([]float64, n), c: 0.1}
	x0 := make([]float64, n)
	for i := range p.d {
		p.d[i] = 4.5 + 2*math.Sin(float64(i))
		p.b[i] = rng.NormFloat64()
		x0[i] = float64(float32(rng.NormFloat64()))
	}
	return p, x0
}

func (p *problem) f(x, g []float64) float64 {
	var loss float64
	n := len(x)
	for i, xi := range x {
		gi := p.d[i]*xi + p.c*xi*xi*xi - p.b[i]
		loss += 0.5*p.d[i]*xi*xi + 0.25*p.c*xi*xi*xi*xi - p.b[i]*xi
		if i > 0 {
			gi -= x[i-1]
		}
		if i+1 < n {
			gi -= x[i+1]
			loss -= xi * x[i+1]
		}
		g[i] = gi
	}
	return loss
}

type optCase struct {
	name string
	make func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error)
}

// optCases: Adam, and L-BFGS with both line searches; history 4 with 3
// iterations per step, so pairs are dropped within the runs.
func optCases() []optCase {
	cases := []optCase{{"Adam", func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error) {
		return optim.NewAdam(s, x, optim.AdamConfig{LR: 0.05, WeightDecay: 0.01})
	}}}
	for _, ls := range []optim.LineSearch{optim.NoLineSearch, optim.StrongWolfe} {
		name := "LBFGS/none"
		if ls != optim.NoLineSearch {
			name = "LBFGS/" + string(ls)
		}
		cases = append(cases, optCase{name, func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error) {
			return optim.NewLBFGS(s, x, optim.LBFGSConfig{LineSearch: ls, History: 4, MaxIter: 3, MaxEval: 10, LR: 0.3})
		}})
	}
	return cases
}

// deviation is the worst relative difference between two trajectories; it
// fails the test if their evaluation counts differ.
func deviation(t *testing.T, got, want *optimtest.Trajectory) float64 {
	t.Helper()
	if len(got.Evals) != len(want.Evals) {
		t.Errorf("%d evaluations, want %d", len(got.Evals), len(want.Evals))
	}
	d := 0.0
	rel := func(a, b float64) float64 { return math.Abs(a-b) / math.Max(math.Abs(b), 1) }
	for i := range min(len(got.Evals), len(want.Evals)) {
		d = math.Max(d, rel(got.Evals[i], want.Evals[i]))
	}
	for i := range want.Losses {
		d = math.Max(d, rel(got.Losses[i], want.Losses[i]))
		d = math.Max(d, optimtest.MaxRelDiff(got.Xs[i], want.Xs[i], 1))
	}
	return d
}

// TestTrajectories runs each optimiser for 8 steps on the device,
// Float32Space and Float64Space from the same start and compares.
func TestTrajectories(t *testing.T) {
	const steps = 8
	p, x0 := newProblem(1, trajN)
	sp := open(t, gpu.Options{})
	for _, c := range optCases() {
		t.Run(c.name, func(t *testing.T) {
			trajs := map[string]*optimtest.Trajectory{}
			for name, s := range map[string]optim.Space{"device": sp, "float32": optim.Float32Space{}, "float64": optim.Float64Space{}} {
				x := newVec(t, s, x0)
				o, err := c.make(s, x)
				if err != nil {
					t.Fatal(err)
				}
				tr := &optimtest.Trajectory{}
				tr.Record(t, s, o, x, p.f, steps)
				o.Close()
				s.Free(x)
				trajs[name] = tr
			}
			if sp.Live() != 0 {
				t.Errorf("%d device vectors live after Close", sp.Live())
			}
			d64 := deviation(t, trajs["device"], trajs["float64"])
			d32 := deviation(t, trajs["device"], trajs["float32"])
			ref := deviation(t, trajs["float32"], trajs["float64"])
			t.Logf("deviation from Float32Space %.3g, from Float64Space %.3g (Float32Space from Float64Space %.3g); loss %.6g → %.6g in %d evaluations",
				d32, d64, ref, trajs["float64"].Evals[0], trajs["float64"].Losses[steps-1], len(trajs["float64"].Evals))
			if !(d32 <= trajTol) {
				t.Errorf("deviation from Float32Space %.3g > %.3g", d32, trajTol)
			}
			if !(d64 <= ref+trajTol) {
				t.Errorf("deviation from Float64Space %.3g > Float32Space's %.3g + %.3g", d64, ref, trajTol)
			}
			got, want := trajs["device"].Losses[steps-1], trajs["float64"].Losses[steps-1]
			if d := math.Abs(got-want) / math.Max(math.Abs(want), 1); !(d <= trajTol) {
				t.Errorf("final loss %v, Float64Space %v: relative deviation %.3g > %.3g", got, want, d, trajTol)
			}
		})
	}
}

// TestStateRestore runs 12 steps without interruption, and 5 steps, a save,
// a restore into a new optimiser with a new x vector on the same Space, and
// 7 more: on the same device the trajectories must be bit-identical (see
// optimtest.CheckRestore), and each optimiser must free its vectors.
func TestStateRestore(t *testing.T) {
	const total, cut = 12, 5
	p, x0 := newProblem(2, 1000)
	sp := open(t, gpu.Options{})
	for _, c := range optCases() {
		t.Run(c.name, func(t *testing.T) {
			optimtest.CheckRestore(t, func() optim.Space { return sp }, c.make, p.f, x0, total, cut)
		})
	}
}

// TestNaNGradient puts a NaN into the gradient of evaluation 7 and checks
// that Step stops with a *NonFiniteError and x is the last iterate at which
// the objective was finite, bit for bit.
func TestNaNGradient(t *testing.T) {
	const bad = 7
	p, x0 := newProblem(3, 1000)
	sp := open(t, gpu.Options{})
	type nanCase struct {
		name  string
		make  func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error)
		steps int
	}
	cases := []nanCase{
		{"Adam", func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error) {
			return optim.NewAdam(s, x, optim.AdamConfig{LR: 0.1})
		}, 20},
		{"LBFGS/none/iter1", func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error) {
			return optim.NewLBFGS(s, x, optim.LBFGSConfig{MaxIter: 1, LR: 0.3})
		}, 20},
		{"LBFGS/none/iter20", func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error) {
			return optim.NewLBFGS(s, x, optim.LBFGSConfig{LR: 0.3})
		}, 1},
		{"LBFGS/strong_wolfe", func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error) {
			return optim.NewLBFGS(s, x, optim.LBFGSConfig{LineSearch: optim.StrongWolfe})
		}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := newVec(t, sp, x0)
			defer sp.Free(x)
			o, err := c.make(sp, x)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			optimtest.CheckNonFiniteStop(t, sp, o, x, &optimtest.Poisoned{F: p.f, Bad: bad, How: "gradient NaN"}, c.steps)
		})
	}
}
