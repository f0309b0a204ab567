package optimtest

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/vkstyle/vkstyle/optim"
)

// Optimiser is what optim.Adam and optim.LBFGS have in common: a Step, a
// state that can be saved and restored, and Close.
type Optimiser interface {
	Step(context.Context, optim.Func) (float64, error)
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
	Close()
}

// Trajectory records a run of an optimiser.
type Trajectory struct {
	Losses []float64   // returned by each Step
	Evals  []float64   // of each evaluation
	Xs     [][]float64 // x after each Step
}

// Record makes steps Steps of o, an optimiser of x on s, on the host
// objective f, and appends them to tr. It fails t if a Step fails.
func (tr *Trajectory) Record(t testing.TB, s optim.Space, o Optimiser, x optim.Vector, f func(x, grad []float64) float64, steps int) {
	t.Helper()
	hf := HostFunc(s, func(x, g []float64) float64 {
		l := f(x, g)
		tr.Evals = append(tr.Evals, l)
		return l
	})
	for range steps {
		loss, err := o.Step(context.Background(), hf)
		if err != nil {
			t.Fatal(err)
		}
		tr.Losses = append(tr.Losses, loss)
		tr.Xs = append(tr.Xs, ReadVec(t, s, x))
	}
}

// CheckRestore checks that saving and restoring an optimiser's state
// reproduces its trajectory bit for bit. It runs total Steps, on the host
// objective f from x0, of an optimiser made by newOpt, without interruption;
// then cut Steps of a second, a save (MarshalBinary), a restore
// (UnmarshalBinary) into a third whose x starts at zero, and total-cut more
// Steps of the third. Each optimiser runs on a Space returned by space (a
// new one, or the same). The step losses, the losses of every evaluation
// and the iterates after every Step must be bit-identical, and a restore
// must not change the state. If a Space has a method Live() int
// (CountingSpace, a GPU Space), closing each optimiser and freeing its x
// must leave it as they found it.
func CheckRestore(t *testing.T, space func() optim.Space, newOpt func(optim.Space, optim.Vector) (Optimiser, error), f func(x, grad []float64) float64, x0 []float64, total, cut int) {
	t.Helper()
	// start makes an optimiser from x0 on a Space from space; its finish
	// closes the optimiser, frees x and checks for leaks.
	start := func(x0 []float64) (optim.Space, optim.Vector, Optimiser, func(what string)) {
		t.Helper()
		s := space()
		live, counts := liveVectors(s)
		x := NewVec(t, s, x0)
		o, err := newOpt(s, x)
		if err != nil {
			t.Fatal(err)
		}
		return s, x, o, func(what string) {
			t.Helper()
			o.Close()
			s.Free(x)
			if counts {
				if after, _ := liveVectors(s); after != live {
					t.Errorf("%d vectors live after Close of the %s optimiser, %d before", after, what, live)
				}
			}
		}
	}

	s, x, o, finish := start(x0)
	var want Trajectory
	want.Record(t, s, o, x, f, total)
	finish("uninterrupted")

	s1, x1, o1, finish1 := start(x0)
	var got Trajectory
	got.Record(t, s1, o1, x1, f, cut)
	state, err := o1.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	finish1("interrupted")

	s2, x2, o2, finish2 := start(make([]float64, len(x0)))
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
	got.Record(t, s2, o2, x2, f, total-cut)
	finish2("restored")

	sameBits(t, "step losses", got.Losses, want.Losses)
	sameBits(t, "evaluation losses", got.Evals, want.Evals)
	for i := range want.Xs {
		sameBits(t, fmt.Sprintf("x after step %d", i+1), got.Xs[i], want.Xs[i])
	}
	t.Logf("state after %d steps: %d bytes", cut, len(state))
}

// sameBits fails t at the first value of got that differs from want's in
// its bits.
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
