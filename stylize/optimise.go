package stylize

import (
	"context"
	"errors"
	"fmt"

	"github.com/vkstyle/vkstyle/optim"
)

// optimise runs iterations first+1 … iters of the configured optimiser on
// x, calling report(iteration) after each; report's error stops the run. resume, when not nil, is the optimiser state to continue from. When
// the run stops early (ErrStopped from report) the optimiser's state is
// kept in st.stopped for a checkpoint.
func (st *state) optimise(s optim.Space, x optim.Vector, f optim.Func, first, iters int, resume []byte, report func(int) error) error {
	o := st.o
	ctx := context.Background() // stops come through report, between iterations
	if o.Optimizer == "adam" {
		// The rate is in 0–255 pixel units whatever the model (see
		// Options.LearningRate); Adam's steps are in the model's input units.
		a, err := optim.NewAdam(s, x, optim.AdamConfig{LR: o.LearningRate * st.m.InputScale() / 255})
		if err != nil {
			return err
		}
		defer a.Close()
		if resume != nil {
			if err := a.UnmarshalBinary(resume); err != nil {
				return fmt.Errorf("resuming: %w", err)
			}
		} else if err := st.restoreAdam(s, a); err != nil {
			return err
		}
		for i := first + 1; i <= iters; i++ {
			if _, err := a.Step(ctx, f); err != nil {
				return err
			}
			if err := report(i); err != nil {
				if errors.Is(err, ErrStopped) {
					state, merr := a.MarshalBinary()
					if merr != nil {
						return merr
					}
					st.stopped = state
				}
				return err
			}
		}
		return st.keepAdam(s, a, x.Len())
	}
	// neural-style's L-BFGS: no line search, no tolerance stops, the whole
	// run as one Step of iters iterations.
	left := iters - first
	if left <= 0 { // resumed at the very end of a scale: MaxIter 0 would mean torch's default
		return nil
	}
	history := o.History
	if st.history > 0 {
		history = st.history
	}
	l, err := optim.NewLBFGS(s, x, optim.LBFGSConfig{
		// Without a line search an iteration evaluates once; the evaluation
		// budget must never be what stops a run (or a resumed run would stop
		// at another iteration than an uninterrupted one).
		LR: o.LearningRate, MaxIter: left, MaxEval: 2*left + 1, History: history,
		TolGrad: -1, TolChange: -1,
	})
	if err != nil {
		return err
	}
	defer l.Close()
	if resume != nil {
		if err := l.UnmarshalBinary(resume); err != nil {
			return fmt.Errorf("resuming: %w", err)
		}
	}
	var stop error
	i := first
	l.SetCallback(func(optim.Iteration) error {
		i++
		if err := report(i); err != nil {
			stop = err
			return err
		}
		return nil
	})
	_, err = l.Step(ctx, f)
	if errors.Is(stop, ErrStopped) {
		st.stopped, err = l.MarshalBinary()
		if err != nil {
			return err
		}
		return stop
	}
	if stop != nil {
		return stop
	}
	return err
}

// keepAdam saves a's moments for the next scale.
func (st *state) keepAdam(s optim.Space, a *optim.Adam, n int) error {
	m, v := a.Moments()
	c := &AdamCarry{M: make([]float64, n), V: make([]float64, n), Steps: a.Steps()}
	if err := s.Read(m, c.M); err != nil {
		return err
	}
	if err := s.Read(v, c.V); err != nil {
		return err
	}
	c.H, c.W = st.lastHW[0], st.lastHW[1]
	st.adam = c
	return nil
}

// restoreAdam writes the previous scale's moments, resized, into a.
func (st *state) restoreAdam(s optim.Space, a *optim.Adam) error {
	c := st.adam
	if c == nil {
		return nil
	}
	h, w := st.lastHW[0], st.lastHW[1]
	m, v := a.Moments()
	if err := s.Write(m, resizePlanes(c.M, c.W, c.H, w, h)); err != nil {
		return err
	}
	if err := s.Write(v, resizePlanes(c.V, c.W, c.H, w, h)); err != nil {
		return err
	}
	a.SetSteps(c.Steps)
	return nil
}

// resizePlanes resizes 3 planes of w×h to nw×nh bilinearly (align corners
// false, like torch's interpolate). Non-negative inputs stay non-negative.
func resizePlanes(src []float64, w, h, nw, nh int) []float64 {
	out := make([]float64, 3*nw*nh)
	coord := func(o, in, outN int) (int, int, float64) {
		s := (float64(o)+0.5)*float64(in)/float64(outN) - 0.5
		if s < 0 {
			s = 0
		}
		i0 := int(s)
		if i0 > in-1 {
			i0 = in - 1
		}
		i1 := min(i0+1, in-1)
		return i0, i1, s - float64(i0)
	}
	for c := 0; c < 3; c++ {
		for y := 0; y < nh; y++ {
			y0, y1, fy := coord(y, h, nh)
			for x := 0; x < nw; x++ {
				x0, x1, fx := coord(x, w, nw)
				p := src[c*w*h:]
				top := p[y0*w+x0]*(1-fx) + p[y0*w+x1]*fx
				bot := p[y1*w+x0]*(1-fx) + p[y1*w+x1]*fx
				out[(c*nh+y)*nw+x] = top*(1-fy) + bot*fy
			}
		}
	}
	return out
}
