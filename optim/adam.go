package optim

import (
	"context"
	"fmt"
	"math"
)

// AdamConfig holds the hyper-parameters of Adam. A zero field takes the
// default of torch.optim.Adam (PyTorch 1.13), given with each field.
type AdamConfig struct {
	// LR is the learning rate. If LR is 0, it defaults to 1e-3.
	LR float64
	// Beta1 and Beta2 are the decay rates of the first and second moment
	// estimates. If 0, they default to 0.9 and 0.999 (a zero β cannot be
	// requested; a tiny one such as 1e-300 behaves the same).
	Beta1, Beta2 float64
	// Eps is added to the bias-corrected root second moment. If Eps is 0, it
	// defaults to 1e-8.
	Eps float64
	// WeightDecay is torch's L2 penalty: WeightDecay*x is added to the
	// gradient before the moments are updated (not decoupled as in AdamW).
	// The default 0 disables it.
	WeightDecay float64
}

func (c AdamConfig) withDefaults() AdamConfig {
	if c.LR == 0 {
		c.LR = 1e-3
	}
	if c.Beta1 == 0 {
		c.Beta1 = 0.9
	}
	if c.Beta2 == 0 {
		c.Beta2 = 0.999
	}
	if c.Eps == 0 {
		c.Eps = 1e-8
	}
	return c
}

// Adam minimises an objective with the Adam method, exactly as
// torch.optim.Adam (PyTorch 1.13, amsgrad=False, maximize=False, the
// single-tensor path): with t the step number counted from 1,
//
//	m = β1·m + (1-β1)·g
//	v = β2·v + (1-β2)·g²
//	x = x - lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + ε)
//
// Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015,
// Algorithm 1, with ε placed after the bias correction as PyTorch does.
//
// Adam owns three vectors of the parameter length (gradient, m, v) plus a
// copy of the previous iterate, used to roll back after a NaN.
type Adam struct {
	s   Space
	x   Vector
	cfg AdamConfig

	g, m, v, xPrev Vector
	step           int  // number of completed updates (torch's state "step")
	prevValid      bool // xPrev holds the iterate before the last update

	failed error
	closed bool
}

// NewAdam returns an Adam optimiser that updates x, a vector of s, in place.
// x remains the caller's; Close does not free it.
func NewAdam(s Space, x Vector, cfg AdamConfig) (*Adam, error) {
	cfg = cfg.withDefaults()
	if cfg.LR < 0 || cfg.Eps < 0 || cfg.Beta1 < 0 || cfg.Beta1 >= 1 || cfg.Beta2 < 0 || cfg.Beta2 >= 1 || cfg.WeightDecay < 0 {
		return nil, fmt.Errorf("optim: NewAdam: invalid config %+v", cfg)
	}
	a := &Adam{s: s, x: x, cfg: cfg}
	n := x.Len()
	for _, p := range []*Vector{&a.g, &a.m, &a.v, &a.xPrev} {
		v, err := s.New(n)
		if err != nil {
			a.Close()
			return nil, fmt.Errorf("optim: NewAdam: %w", err)
		}
		*p = v
	}
	return a, nil
}

// Config returns the configuration with defaults filled in.
func (a *Adam) Config() AdamConfig { return a.cfg }

// SetLR sets the learning rate for the following steps (a schedule).
func (a *Adam) SetLR(lr float64) { a.cfg.LR = lr }

// Steps returns the number of updates made so far.
func (a *Adam) Steps() int { return a.step }

// Moments returns the first and second moment vectors m and v, which the
// optimiser owns. A coarse-to-fine run carries them to the next scale
// (read, resized, written into the next optimiser's with SetSteps), as
// crowsonkb's style-transfer-pytorch does.
func (a *Adam) Moments() (m, v Vector) { return a.m, a.v }

// SetSteps sets the number of completed updates, which the bias correction
// uses, when moments are carried over from another optimiser.
func (a *Adam) SetSteps(n int) {
	if n < 0 {
		panic("optim: Adam.SetSteps: negative step count")
	}
	a.step = n
}

// Step evaluates f at x and makes one Adam update of x, like torch's
// optimizer.step(closure). It returns the loss at x before the update.
//
// Step checks ctx before evaluating. If the loss or the gradient is not
// finite, Step returns a *NonFiniteError, puts x back to the previous iterate
// (the last one at which f was finite) and fails all later calls until a
// state is restored; an error from f does the same.
func (a *Adam) Step(ctx context.Context, f Func) (float64, error) {
	if a.closed {
		return 0, ErrClosed
	}
	if a.failed != nil {
		return 0, failedError("Adam", a.failed)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("optim: Adam: %w", err)
	}
	eval := a.step + 1
	loss, err := f(a.x, a.g)
	if err != nil {
		err = fmt.Errorf("optim: Adam: evaluation %d: %w", eval, err)
	} else if err = checkFinite("loss", loss, eval); err == nil {
		var gmax float64
		gmax, err = a.s.MaxAbs(a.g)
		if err != nil {
			err = fmt.Errorf("optim: Adam: MaxAbs: %w", err)
		} else {
			err = checkFinite("gradient", gmax, eval)
		}
	}
	if err != nil {
		if a.prevValid {
			a.s.Copy(a.x, a.xPrev)
			a.prevValid = false
		}
		a.failed = err
		return loss, err
	}

	a.s.Copy(a.xPrev, a.x)
	a.prevValid = true
	a.step++
	t := float64(a.step)
	a.s.Adam(a.x, a.g, a.m, a.v, AdamParams{
		Beta1:               a.cfg.Beta1,
		Beta2:               a.cfg.Beta2,
		Eps:                 a.cfg.Eps,
		StepSize:            a.cfg.LR / (1 - math.Pow(a.cfg.Beta1, t)),
		BiasCorrection2Sqrt: math.Sqrt(1 - math.Pow(a.cfg.Beta2, t)),
		WeightDecay:         a.cfg.WeightDecay,
	})
	return loss, nil
}

// Close frees the optimiser's vectors (not x). It is idempotent; a closed
// optimiser returns ErrClosed.
func (a *Adam) Close() {
	for _, p := range []*Vector{&a.g, &a.m, &a.v, &a.xPrev} {
		if *p != nil {
			a.s.Free(*p)
			*p = nil
		}
	}
	a.closed = true
}
