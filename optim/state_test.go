package optim_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/optim"
	"github.com/vkstyle/vkstyle/optim/optimtest"
)

// stateful is an optimiser whose state can be saved.
type stateful interface {
	Step(context.Context, optim.Func) (float64, error)
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
	Close()
}

type stateCase struct {
	name string
	make func(s optim.Space, x optim.Vector) (stateful, error)
}

func stateCases() []stateCase {
	cases := []stateCase{{"Adam", func(s optim.Space, x optim.Vector) (stateful, error) {
		return optim.NewAdam(s, x, optim.AdamConfig{LR: 0.05, WeightDecay: 0.01})
	}}}
	for _, lsm := range lineSearches {
		// History 4 with 3 iterations per step: pairs are dropped before
		// and after the restore. Without line search the last iteration of
		// a step moves x without evaluating, so the backup iterate is saved.
		cases = append(cases, stateCase{"LBFGS/" + lsName(lsm), func(s optim.Space, x optim.Vector) (stateful, error) {
			return optim.NewLBFGS(s, x, optim.LBFGSConfig{LineSearch: lsm, History: 4, MaxIter: 3, MaxEval: 10, LR: 0.5})
		}})
	}
	return cases
}

type trajectory struct {
	losses []float64
	xs     [][]float64
	evals  []float64
}

// TestStateRestore runs 12 steps without interruption, and 5 steps, a save,
// a restore into a new optimiser on a new Space and a new x vector, and 7
// more steps; the two trajectories must be bit-identical.
func TestStateRestore(t *testing.T) {
	const total, cut = 12, 5
	ls, x0 := randomLeastSquares(7, 30, 12)
	spaces := []struct {
		name string
		new  func() optim.Space
	}{
		{"Float64", func() optim.Space { return &optimtest.CountingSpace{Inner: optim.Float64Space{}} }},
		{"Float32", func() optim.Space { return &optimtest.CountingSpace{Inner: optim.Float32Space{}} }},
	}
	for _, c := range stateCases() {
		for _, sp := range spaces {
			t.Run(c.name+"/"+sp.name, func(t *testing.T) {
				run := func(s optim.Space, o stateful, x optim.Vector, steps int, tr *trajectory) {
					f := optimtest.HostFunc(s, func(x, g []float64) float64 {
						l := ls.f(x, g)
						tr.evals = append(tr.evals, l)
						return l
					})
					for i := 0; i < steps; i++ {
						loss, err := o.Step(context.Background(), f)
						if err != nil {
							t.Fatal(err)
						}
						tr.losses = append(tr.losses, loss)
						tr.xs = append(tr.xs, readVec(t, s, x))
					}
				}

				// Uninterrupted.
				s := sp.new()
				x := newVec(t, s, x0)
				o, err := c.make(s, x)
				if err != nil {
					t.Fatal(err)
				}
				var want trajectory
				run(s, o, x, total, &want)
				o.Close()

				// Interrupted.
				s1 := sp.new()
				x1 := newVec(t, s1, x0)
				o1, err := c.make(s1, x1)
				if err != nil {
					t.Fatal(err)
				}
				var got trajectory
				run(s1, o1, x1, cut, &got)
				state, err := o1.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				o1.Close()
				if live := s1.(*optimtest.CountingSpace).Live(); live != 1 {
					t.Errorf("%d vectors live after Close, want 1", live)
				}

				s2 := sp.new()
				x2 := newVec(t, s2, make([]float64, len(x0)))
				o2, err := c.make(s2, x2)
				if err != nil {
					t.Fatal(err)
				}
				if err := o2.UnmarshalBinary(state); err != nil {
					t.Fatal(err)
				}
				again, err := o2.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(again, state) {
					t.Errorf("state changed by a restore: %d bytes, then %d", len(state), len(again))
				}
				run(s2, o2, x2, total-cut, &got)
				o2.Close()
				if live := s2.(*optimtest.CountingSpace).Live(); live != 1 {
					t.Errorf("%d vectors live after Close of the restored optimiser, want 1", live)
				}

				sameBits(t, "step losses", got.losses, want.losses)
				sameBits(t, "evaluation losses", got.evals, want.evals)
				for i := range want.xs {
					sameBits(t, fmt.Sprintf("x after step %d", i+1), got.xs[i], want.xs[i])
				}
				t.Logf("state after %d steps: %d bytes", cut, len(state))
			})
		}
	}
}

func sameBits(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return
	}
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Errorf("%s: [%d] = %v, uninterrupted run %v", what, i, got[i], want[i])
			return
		}
	}
}

// TestStateErrors checks that damaged or mismatched states are refused with
// a clear error and leave the optimiser as it was.
func TestStateErrors(t *testing.T) {
	ls, x0 := randomLeastSquares(8, 30, 12)
	s := optim.Float64Space{}
	f := optimtest.HostFunc(s, ls.f)
	x := newVec(t, s, x0)
	o, err := optim.NewLBFGS(s, x, optim.LBFGSConfig{History: 4, MaxIter: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	for i := 0; i < 3; i++ {
		if _, err := o.Step(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
	state, err := o.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	a, err := optim.NewAdam(s, newVec(t, s, x0), optim.AdamConfig{})
	if err != nil {
		t.Fatal(err)
	}
	adamState, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	short, err := optim.NewLBFGS(s, newVec(t, s, x0[:5]), optim.LBFGSConfig{})
	if err != nil {
		t.Fatal(err)
	}
	small, err := optim.NewLBFGS(s, newVec(t, s, x0), optim.LBFGSConfig{History: 2})
	if err != nil {
		t.Fatal(err)
	}

	flip := func(i int) []byte {
		b := bytes.Clone(state)
		b[i] ^= 1
		return b
	}
	cases := []struct {
		name  string
		into  stateful
		data  []byte
		error string
	}{
		{"magic", o, flip(0), "bad magic"},
		{"version", o, flip(8), "version"},
		{"kind", o, adamState, "kind 1 (Adam), want 2 (LBFGS)"},
		{"crc", o, flip(len(state) / 2), "CRC mismatch"},
		{"truncated", o, state[:len(state)-9], "unexpected EOF"},
		{"length", short, state, "saved length 12, optimiser length 5"},
		{"history", small, state, "history has 4 pairs, History is 2"},
	}
	for _, c := range cases {
		err := c.into.UnmarshalBinary(c.data)
		if err == nil || !strings.Contains(err.Error(), c.error) || !strings.HasPrefix(err.Error(), "optim: ") {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.error)
		}
	}
	after, err := o.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(after, state) {
		t.Error("failed restores changed the optimiser")
	}
}

// TestStateFloat32Compact checks that a float32 Space's state is stored in
// float32.
func TestStateFloat32Compact(t *testing.T) {
	ls, x0 := randomLeastSquares(9, 30, 12)
	size := map[string]int{}
	for _, sp := range []struct {
		name string
		s    optim.Space
	}{{"64", optim.Float64Space{}}, {"32", optim.Float32Space{}}} {
		o, err := optim.NewLBFGS(sp.s, newVec(t, sp.s, x0), optim.LBFGSConfig{MaxIter: 5})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Step(context.Background(), optimtest.HostFunc(sp.s, ls.f)); err != nil {
			t.Fatal(err)
		}
		b, err := o.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		size[sp.name] = len(b)
		o.Close()
	}
	// 5 iterations: x, d, prevG, x0 and 4 pairs = 12 vectors of 12.
	if d := size["64"] - size["32"]; d != 12*12*4 {
		t.Errorf("float64 state %d bytes, float32 state %d: difference %d, want %d", size["64"], size["32"], d, 12*12*4)
	}
}
