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

// TestNonFinite poisons evaluation 7 in various ways and checks the error,
// that x is the last good iterate, and that the optimiser then refuses to
// step until a saved state is restored.
func TestNonFinite(t *testing.T) {
	const bad = 7
	ls, x0 := randomLeastSquares(10, 30, 12)
	type opt struct {
		name string
		make func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error)
		// steps: Step calls to make (the failure comes within them).
		steps int
	}
	opts := []opt{
		{"Adam", func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error) {
			return optim.NewAdam(s, x, optim.AdamConfig{LR: 0.1})
		}, 20},
		// One iteration per step without line search: evaluation 7 is the
		// first of step 7, at an iterate never evaluated before.
		{"LBFGS/none/iter1", func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error) {
			return optim.NewLBFGS(s, x, optim.LBFGSConfig{MaxIter: 1, LR: 0.5})
		}, 20},
		// Many iterations in one step: evaluation 7 follows a fixed step.
		{"LBFGS/none/iter20", func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error) {
			return optim.NewLBFGS(s, x, optim.LBFGSConfig{LR: 0.5})
		}, 1},
		// Evaluation 7 is inside a line search.
		{"LBFGS/strong_wolfe", func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error) {
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
					p := &optimtest.Poisoned{F: ls.f, Bad: bad, How: how}
					optimtest.CheckNonFiniteStop(t, s, opt, x, p, o.steps)

					if _, err := opt.Step(context.Background(), p.Func(s)); err == nil || !strings.Contains(err.Error(), "an earlier step failed") {
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
	p := &optimtest.Poisoned{F: ls.f, Bad: 1, How: "loss NaN"}
	if _, err := o.Step(context.Background(), p.Func(s)); err == nil {
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

// faultySpace fails its read-backs (Dot, MaxAbs, Read) from the failAt-th
// on, as a GPU space does once the device is lost.
type faultySpace struct {
	optim.Space
	dots, failAt int
}

var errDevice = errors.New("device lost")

func (f *faultySpace) fault() error {
	f.dots++
	if f.dots >= f.failAt {
		return errDevice
	}
	return nil
}

func (f *faultySpace) Dot(a, b optim.Vector) (float64, error) {
	if err := f.fault(); err != nil {
		return 0, err
	}
	return f.Space.Dot(a, b)
}

func (f *faultySpace) MaxAbs(v optim.Vector) (float64, error) {
	if err := f.fault(); err != nil {
		return 0, err
	}
	return f.Space.MaxAbs(v)
}

func (f *faultySpace) Read(v optim.Vector, dst []float64) error {
	if err := f.fault(); err != nil {
		return err
	}
	return f.Space.Read(v, dst)
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
			fs.failAt = fs.dots + 3
			if _, err := o.Step(context.Background(), f); !errors.Is(err, errDevice) || !strings.HasPrefix(err.Error(), "optim: ") {
				t.Fatalf("Step returned %v, want a wrapped %v", err, errDevice)
			}
			fs.failAt = math.MaxInt
			got := readVec(t, fs, x)
			found := false
			for _, it := range iterates {
				found = found || optimtest.EqualBits(got, it)
			}
			if !found {
				t.Errorf("x = %v is not an iterate", got)
			}
			if err := o.UnmarshalBinary(state); err != nil {
				t.Fatal(err)
			}
			if _, err := o.Step(context.Background(), f); err != nil {
				t.Errorf("Step after restore: %v", err)
			}
		})
	}
}
