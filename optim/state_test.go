package optim_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/optim"
	"github.com/vkstyle/vkstyle/optim/optimtest"
)

type stateCase struct {
	name string
	make func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error)
}

func stateCases() []stateCase {
	cases := []stateCase{{"Adam", func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error) {
		return optim.NewAdam(s, x, optim.AdamConfig{LR: 0.05, WeightDecay: 0.01})
	}}}
	for _, lsm := range lineSearches {
		// History 4 with 3 iterations per step: pairs are dropped before
		// and after the restore. Without line search the last iteration of
		// a step moves x without evaluating, so the backup iterate is saved.
		cases = append(cases, stateCase{"LBFGS/" + lsName(lsm), func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error) {
			return optim.NewLBFGS(s, x, optim.LBFGSConfig{LineSearch: lsm, History: 4, MaxIter: 3, MaxEval: 10, LR: 0.5})
		}})
	}
	return cases
}

// TestStateRestore runs 12 steps without interruption, and 5 steps, a save,
// a restore into a new optimiser on a new Space and a new x vector, and 7
// more steps; the two trajectories must be bit-identical (see
// optimtest.CheckRestore), and each optimiser must free what it allocates.
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
				optimtest.CheckRestore(t, sp.new, c.make, ls.f, x0, total, cut)
			})
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
		into  optimtest.Optimiser
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
