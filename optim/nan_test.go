package optim_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/optim"
	"github.com/vkstyle/vkstyle/optim/optimtest"
)

// poisoned wraps a host objective: from evaluation bad on, it spoils the loss
// or the gradient (or fails); it records the points at which it returned
// finite values.
type poisoned struct {
	f    func(x, g []float64) float64
	bad  int
	how  string // "loss NaN", "loss +Inf", "gradient NaN", "gradient -Inf", "error"
	n    int
	good [][]float64
}

var errPoison = errors.New("poisoned")

func (p *poisoned) fn(s optim.Space) optim.Func {
	host := optimtest.HostFunc(s, func(x, g []float64) float64 {
		loss := p.f(x, g)
		if p.n+1 < p.bad {
			p.good = append(p.good, append([]float64(nil), x...))
			return loss
		}
		switch p.how {
		case "loss NaN":
			return math.NaN()
		case "loss +Inf":
			return math.Inf(1)
		case "gradient NaN":
			g[len(g)/2] = math.NaN()
		case "gradient -Inf":
			g[0] = math.Inf(-1)
		}
		return loss
	})
	return func(x, g optim.Vector) (float64, error) {
		loss, err := host(x, g)
		p.n++
		if p.how == "error" && p.n >= p.bad {
			return 0, errPoison
		}
		return loss, err
	}
}

// TestNonFinite poisons evaluation 7 in various ways and checks the error,
// that x is the last good iterate, and that the optimiser then refuses to
// step until a saved state is restored.
func TestNonFinite(t *testing.T) {
	const bad = 7
	ls, x0 := randomLeastSquares(10, 30, 12)
	type opt struct {
		name string
		make func(s optim.Space, x optim.Vector) (stateful, error)
		// steps: Step calls to make (the failure comes within them).
		steps int
	}
	opts := []opt{
		{"Adam", func(s optim.Space, x optim.Vector) (stateful, error) {
			return optim.NewAdam(s, x, optim.AdamConfig{LR: 0.1})
		}, 20},
		// One iteration per step without line search: evaluation 7 is the
		// first of step 7, at an iterate never evaluated before.
		{"LBFGS/none/iter1", func(s optim.Space, x optim.Vector) (stateful, error) {
			return optim.NewLBFGS(s, x, optim.LBFGSConfig{MaxIter: 1, LR: 0.5})
		}, 20},
		// Many iterations in one step: evaluation 7 follows a fixed step.
		{"LBFGS/none/iter20", func(s optim.Space, x optim.Vector) (stateful, error) {
			return optim.NewLBFGS(s, x, optim.LBFGSConfig{LR: 0.5})
		}, 1},
		// Evaluation 7 is inside a line search.
		{"LBFGS/strong_wolfe", func(s optim.Space, x optim.Vector) (stateful, error) {
			return optim.NewLBFGS(s, x, optim.LBFGSConfig{LineSearch: optim.StrongWolfe})
		}, 1},
	}
	hows := []string{"loss NaN", "loss +Inf", "gradient NaN", "gradient -Inf", "error"}
	for _, o := range opts {
		for _, how := range hows {
			for _, sp := range []struct {
				name string
				s    optim.Space
			}{{"Float64", optim.Float64Space{}}, {"Float32", optim.Float32Space{}}} {
				t.Run(fmt.Sprintf("%s/%s/%s", o.name, how, sp.name), func(t *testing.T) {
					s := sp.s
					x := newVec(t, s, x0)
					opt, err := o.make(s, x)
					if err != nil {
						t.Fatal(err)
					}
					defer opt.Close()

					// The iterates: the start, and x after each L-BFGS
					// iteration or each Adam step.
					iterates := [][]float64{readVec(t, s, x)}
					if lb, ok := opt.(*optim.LBFGS); ok {
						lb.SetCallback(func(optim.Iteration) error {
							iterates = append(iterates, readVec(t, s, x))
							return nil
						})
					}
					p := &poisoned{f: ls.f, bad: bad, how: how}
					f := p.fn(s)
					var stepErr error
					for i := 0; i < o.steps && stepErr == nil; i++ {
						_, stepErr = opt.Step(context.Background(), f)
						if _, ok := opt.(*optim.Adam); ok && stepErr == nil {
							iterates = append(iterates, readVec(t, s, x))
						}
					}
					if stepErr == nil {
						t.Fatalf("no error after %d evaluations", p.n)
					}
					checkPoisonError(t, stepErr, how, bad)

					// x is the last iterate at which the objective was
					// finite: the last iterate among the good points.
					got := readVec(t, s, x)
					var want []float64
					for i := len(iterates) - 1; i >= 0 && want == nil; i-- {
						for _, g := range p.good {
							if equalBits(iterates[i], g) {
								want = iterates[i]
								break
							}
						}
					}
					if want == nil {
						t.Fatal("no iterate was evaluated finite")
					}
					if !equalBits(got, want) {
						t.Errorf("x = %v\nlast good iterate %v", got, want)
					}

					if _, err := opt.Step(context.Background(), f); err == nil || !strings.Contains(err.Error(), "an earlier step failed") {
						t.Errorf("Step after a failure: %v", err)
					}
					if _, err := opt.MarshalBinary(); err == nil {
						t.Error("MarshalBinary after a failure succeeded")
					}
				})
			}
		}
	}
}

func checkPoisonError(t *testing.T, err error, how string, eval int) {
	t.Helper()
	if how == "error" {
		if !errors.Is(err, errPoison) || !strings.HasPrefix(err.Error(), "optim: ") || !strings.Contains(err.Error(), fmt.Sprintf("evaluation %d", eval)) {
			t.Errorf("error %q, want a wrapped %q at evaluation %d", err, errPoison, eval)
		}
		return
	}
	var nf *optim.NonFiniteError
	if !errors.As(err, &nf) {
		t.Fatalf("error %v (%T), want *NonFiniteError", err, err)
	}
	if nf.Eval != eval {
		t.Errorf("error %q: evaluation %d, want %d", err, nf.Eval, eval)
	}
	quantity := strings.Fields(how)[0]
	if nf.Quantity != quantity && !(quantity == "gradient" && nf.Quantity == "directional derivative") {
		t.Errorf("error %q: quantity %q, want %q", err, nf.Quantity, quantity)
	}
	t.Logf("%v", err)
}

func equalBits(a, b []float64) bool {
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

// TestNonFiniteRecovery checks that restoring a saved state clears a
// failure.
func TestNonFiniteRecovery(t *testing.T) {
	ls, x0 := randomLeastSquares(11, 30, 12)
	s := optim.Float64Space{}
	x := newVec(t, s, x0)
	o, err := optim.NewLBFGS(s, x, optim.LBFGSConfig{MaxIter: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	good := optimtest.HostFunc(s, ls.f)
	if _, err := o.Step(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	state, err := o.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	// Step 1 evaluated twice and ended with an unevaluated move, so x is
	// rolled back to the second point.
	p := &poisoned{f: ls.f, bad: 1, how: "loss NaN"}
	if _, err := o.Step(context.Background(), p.fn(s)); err == nil {
		t.Fatal("no error")
	} else if want := "optim: loss is NaN at evaluation 3"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if err := o.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Step(context.Background(), good); err != nil {
		t.Errorf("Step after restore: %v", err)
	}
}

// faultySpace fails its Dot calls from the failAt-th on.
type faultySpace struct {
	optim.Space
	dots, failAt int
}

var errDevice = errors.New("device lost")

func (f *faultySpace) Dot(a, b optim.Vector) (float64, error) {
	f.dots++
	if f.dots >= f.failAt {
		return 0, errDevice
	}
	return f.Space.Dot(a, b)
}

// TestSpaceError checks that an error of the Space stops Step with the error
// wrapped, leaves x at an iterate, and that a restore clears it.
func TestSpaceError(t *testing.T) {
	ls, x0 := randomLeastSquares(12, 30, 12)
	for _, lsm := range lineSearches {
		t.Run(lsName(lsm), func(t *testing.T) {
			fs := &faultySpace{Space: optim.Float64Space{}, failAt: math.MaxInt}
			x := newVec(t, fs, x0)
			var iterates [][]float64
			o, err := optim.NewLBFGS(fs, x, optim.LBFGSConfig{LineSearch: lsm, History: 3, Callback: func(optim.Iteration) error {
				iterates = append(iterates, readVec(t, fs, x))
				return nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			f := optimtest.HostFunc(fs, ls.f)
			if _, err := o.Step(context.Background(), f); err != nil {
				t.Fatal(err)
			}
			state, err := o.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			fs.failAt = fs.dots + 7
			if _, err := o.Step(context.Background(), f); !errors.Is(err, errDevice) || !strings.HasPrefix(err.Error(), "optim: ") {
				t.Fatalf("Step returned %v, want a wrapped %v", err, errDevice)
			}
			got := readVec(t, fs, x)
			found := false
			for _, it := range iterates {
				found = found || equalBits(got, it)
			}
			if !found {
				t.Errorf("x = %v is not an iterate", got)
			}
			fs.failAt = math.MaxInt
			if err := o.UnmarshalBinary(state); err != nil {
				t.Fatal(err)
			}
			if _, err := o.Step(context.Background(), f); err != nil {
				t.Errorf("Step after restore: %v", err)
			}
		})
	}
}
