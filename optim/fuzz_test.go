package optim_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/optim"
	"github.com/vkstyle/vkstyle/optim/optimtest"
)

// fuzzState runs UnmarshalBinary of a fresh optimiser (made by mk) on
// data: it must return an error or a usable state, never panic, and an
// error is one line; a restored optimiser must then step or fail cleanly.
func fuzzState(f *testing.F, mk func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error)) {
	ls, x0 := randomLeastSquares(3, 10, 6)
	s := optim.Float64Space{}
	// Seeds: the states of optimisers that took 0, 1 and 3 steps.
	for _, steps := range []int{0, 1, 3} {
		o, err := mk(s, newVec(f, s, x0))
		if err != nil {
			f.Fatal(err)
		}
		for range steps {
			if _, err := o.Step(context.Background(), optimtest.HostFunc(s, ls.f)); err != nil {
				f.Fatal(err)
			}
		}
		b, err := o.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		o.Close()
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := mk(s, newVec(t, s, x0))
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		if err := o.UnmarshalBinary(data); err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("not one line: %q", err)
			}
			return
		}
		o.Step(context.Background(), optimtest.HostFunc(s, ls.f)) // may fail (a NaN state), must not panic
	})
}

func FuzzLBFGSState(f *testing.F) {
	fuzzState(f, func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error) {
		return optim.NewLBFGS(s, x, optim.LBFGSConfig{History: 4, MaxIter: 2})
	})
}

func FuzzAdamState(f *testing.F) {
	fuzzState(f, func(s optim.Space, x optim.Vector) (optimtest.Optimiser, error) {
		return optim.NewAdam(s, x, optim.AdamConfig{LR: 0.05})
	})
}
