package stylize

import (
	"context"
	"errors"

	"github.com/vkstyle/vkstyle/optim"
)

// adamCarry is Adam's state between scales: the moments as images (3
// planes each) and the step count.
type adamCarry struct {
	m, v  []float64
	w, h  int
	steps int
}

// optimise runs iters iterations of the configured optimiser on x, calling
// report(iteration, loss) after each; report's error stops the run.
func (st *state) optimise(ctx context.Context, s optim.Space, x optim.Vector, f optim.Func, iters int, report func(int, float64) error) error {
	o := st.o
	if o.Optimizer == "adam" {
		a, err := optim.NewAdam(s, x, optim.AdamConfig{LR: o.LearningRate})
		if err != nil {
			return err
		}
		defer a.Close()
		if err := st.restoreAdam(s, a, x.Len()); err != nil {
			return err
		}
		for i := 1; i <= iters; i++ {
			loss, err := a.Step(ctx, f)
			if err != nil {
				if errors.Is(err, context.Canceled) {
					return nil
				}
				return err
			}
			if err := report(i, loss); err != nil {
				return stopErr(err)
			}
		}
		return st.keepAdam(s, a, x.Len())
	}
	// neural-style's L-BFGS: no line search, no tolerance stops, the whole
	// run as one Step of iters iterations.
	l, err := optim.NewLBFGS(s, x, optim.LBFGSConfig{
		LR: o.LearningRate, MaxIter: iters, MaxEval: iters * 5 / 4, History: o.History,
		TolGrad: -1, TolChange: -1,
	})
	if err != nil {
		return err
	}
	defer l.Close()
	var stop error
	l.SetCallback(func(it optim.Iteration) error {
		if err := report(it.Iter, it.Loss); err != nil {
			stop = err
			return err
		}
		return nil
	})
	_, err = l.Step(ctx, f)
	if stop != nil {
		return stopErr(stop)
	}
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// stopErr passes ErrStopped through as "no error": the caller sees the
// cancelled context and reports the stop itself.
func stopErr(err error) error {
	if errors.Is(err, ErrStopped) {
		return nil
	}
	return err
}

// keepAdam saves a's moments for the next scale.
func (st *state) keepAdam(s optim.Space, a *optim.Adam, n int) error {
	m, v := a.Moments()
	c := &adamCarry{m: make([]float64, n), v: make([]float64, n), steps: a.Steps()}
	if err := s.Read(m, c.m); err != nil {
		return err
	}
	if err := s.Read(v, c.v); err != nil {
		return err
	}
	c.h, c.w = st.lastHW[0], st.lastHW[1]
	st.adam = c
	return nil
}

// restoreAdam writes the previous scale's moments, resized, into a.
func (st *state) restoreAdam(s optim.Space, a *optim.Adam, n int) error {
	c := st.adam
	if c == nil {
		return nil
	}
	h, w := st.lastHW[0], st.lastHW[1]
	m, v := a.Moments()
	if err := s.Write(m, resizePlanes(c.m, c.w, c.h, w, h)); err != nil {
		return err
	}
	if err := s.Write(v, resizePlanes(c.v, c.w, c.h, w, h)); err != nil {
		return err
	}
	a.SetSteps(c.steps)
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
