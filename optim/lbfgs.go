package optim

import (
	"context"
	"fmt"
	"math"
)

// LineSearch names the step-length rule of LBFGS.
type LineSearch string

const (
	// NoLineSearch moves a fixed step, LR (min(1, 1/|g|₁)·LR on the first
	// iteration), as torch's line_search_fn=None and neural-style do.
	NoLineSearch LineSearch = ""
	// StrongWolfe searches for a step satisfying the strong Wolfe conditions,
	// as torch's line_search_fn="strong_wolfe" (see strongWolfe).
	StrongWolfe LineSearch = "strong_wolfe"
)

// LBFGSConfig holds the hyper-parameters of LBFGS. A zero field takes the
// default given with it: torch.optim.LBFGS's (PyTorch 1.13), whose history
// default of 100 is also neural-style's.
type LBFGSConfig struct {
	// LR is the learning rate: the step length (or the initial trial step of
	// the line search). If LR is 0, it defaults to 1.
	LR float64
	// MaxIter is the maximum number of iterations per Step. If MaxIter is 0,
	// it defaults to 20.
	MaxIter int
	// MaxEval is the maximum number of evaluations of the objective per Step,
	// checked after each iteration. If MaxEval is 0, it defaults to
	// MaxIter*5/4 (integer division).
	MaxEval int
	// TolGrad stops a Step when max |g_i| <= TolGrad. If TolGrad is 0, it
	// defaults to 1e-7 (torch's code; its docstring says 1e-5). A negative
	// value disables the test, as neural-style-pt does with -1.
	TolGrad float64
	// TolChange stops a Step when the directional derivative g·d exceeds
	// -TolChange, when the step max |t·d_i| is at most TolChange, or when the
	// loss changed by less than TolChange. If TolChange is 0, it defaults to
	// 1e-9. A negative value disables the tests. The line search always uses
	// 1e-9, as torch does.
	TolChange float64
	// History is the number of correction pairs kept. If History is 0, it
	// defaults to 100.
	History int
	// LineSearch selects the step-length rule; the default is NoLineSearch.
	LineSearch LineSearch
	// Callback, if not nil, is called at the end of every iteration. If it
	// returns an error, Step stops as if MaxIter had been reached and returns
	// that error wrapped; the optimiser stays usable.
	Callback func(Iteration) error
}

// Iteration describes a completed L-BFGS iteration, for Callback.
//
// Loss is the loss at the new iterate, except on the last iteration of a
// Step without line search, which (like torch) does not evaluate the
// objective: Loss is then the loss at the previous iterate.
type Iteration struct {
	Iter  int     // iterations over the optimiser's life (torch's state n_iter)
	Evals int     // evaluations over the optimiser's life (torch's func_evals)
	Loss  float64 // the latest loss
	Step  float64 // the step length t taken along the search direction
}

func (c LBFGSConfig) withDefaults() LBFGSConfig {
	if c.LR == 0 {
		c.LR = 1
	}
	if c.MaxIter == 0 {
		c.MaxIter = 20
	}
	if c.MaxEval == 0 {
		c.MaxEval = c.MaxIter * 5 / 4
	}
	if c.TolGrad == 0 {
		c.TolGrad = 1e-7
	}
	if c.TolChange == 0 {
		c.TolChange = 1e-9
	}
	if c.History == 0 {
		c.History = 100
	}
	return c
}

// LBFGS minimises an objective with the limited-memory BFGS method, with the
// semantics of torch.optim.LBFGS (PyTorch 1.13): the search direction is
// -H·g computed by the two-loop recursion of Nocedal & Wright, Numerical
// Optimization (2nd ed.), Algorithm 7.4, with the initial matrix
// H₀ = (sᵀy / yᵀy)·I of eq. 7.20; a correction pair (s, y) is stored only if
// sᵀy > 1e-10; the first step of the optimiser's life has length
// min(1, 1/|g|₁)·LR along -g.
//
// Memory: besides x, LBFGS owns 2·History correction vectors (allocated as
// the history fills), the gradient, the previous gradient, the direction, a
// copy of the iterate (for the line search and for rolling back after a NaN)
// and, with StrongWolfe, up to four gradients of trial points.
//
// Synchronisation and kernels: an iteration reads back a constant number
// of scalars and records a constant number of vector operations, whatever
// the history: the two-loop recursion is vector-free (see vectorfree.go):
// the products of the new s, y and g with the stored pairs are taken by
// three DotsTo and read back together (with sᵀy and yᵀy, which decide
// whether the pair is kept), the recursion runs on the host, and the
// direction is one Combine. The host reads those products, gᵀd, and the
// norms the stopping tests need.
type LBFGS struct {
	s   Space
	sc  scalars
	x   Vector
	n   int
	cfg LBFGSConfig

	// torch's state.
	funcEvals, nIter int
	d                Vector // search direction; meaningful once nIter > 0
	t                float64
	hDiag            float64
	prevG            Vector // prev_flat_grad; meaningful if havePrev
	prevLoss         float64
	havePrev         bool
	dirs, stps       []Vector // y and s pairs, oldest first
	ro               []float64

	// gram holds the inner products of the stored pairs and the gradient
	// (the vector-free two-loop); dots is where the Space takes an
	// update's products (candidateRows), dotsHost where they are read.
	gram     gramHistory
	dots     Vector
	dotsHost []float64

	g              Vector   // flat_grad, the gradient at x
	gmax           float64  // max |g_i| of the latest checked gradient
	x0             Vector   // x_init of the line search, or the last good x
	backupValid    bool     // x0 holds the last good iterate and x has moved since
	spareY, spareS Vector   // a free correction pair
	lsBufs         []Vector // gradients of line-search trial points

	failed error
	closed bool
}

// NewLBFGS returns an L-BFGS optimiser that updates x, a vector of s, in
// place. x remains the caller's; Close does not free it.
func NewLBFGS(s Space, x Vector, cfg LBFGSConfig) (*LBFGS, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	o := &LBFGS{s: s, sc: scalars{s: s}, x: x, n: x.Len(), cfg: cfg, hDiag: 1}
	for _, p := range []*Vector{&o.g, &o.d, &o.prevG, &o.x0} {
		v, err := s.New(o.n)
		if err != nil {
			o.Close()
			return nil, fmt.Errorf("optim: NewLBFGS: %w", err)
		}
		*p = v
	}
	return o, nil
}

func (c LBFGSConfig) validate() error {
	switch {
	case c.LineSearch != NoLineSearch && c.LineSearch != StrongWolfe:
		return fmt.Errorf("optim: LBFGS: unknown line search %q (want %q or %q)", c.LineSearch, NoLineSearch, StrongWolfe)
	case c.LR < 0 || c.MaxIter < 0 || c.MaxEval < 0 || c.History < 0:
		return fmt.Errorf("optim: LBFGS: negative LR, MaxIter, MaxEval or History in %+v", c)
	}
	return nil
}

// Config returns the configuration with defaults filled in.
func (o *LBFGS) Config() LBFGSConfig { return o.cfg }

// SetCallback replaces the per-iteration callback (see LBFGSConfig).
func (o *LBFGS) SetCallback(cb func(Iteration) error) { o.cfg.Callback = cb }

// Iterations returns the number of iterations over the optimiser's life.
func (o *LBFGS) Iterations() int { return o.nIter }

// Evaluations returns the number of evaluations of the objective over the
// optimiser's life.
func (o *LBFGS) Evaluations() int { return o.funcEvals }

// HistoryLen returns the number of correction pairs stored.
func (o *LBFGS) HistoryLen() int { return len(o.dirs) }

// Step runs up to MaxIter iterations, like torch's optimizer.step(closure),
// and returns the loss at x when Step was called (torch's orig_loss).
//
// Step evaluates f at x first and returns at once if max |g_i| <= TolGrad.
// Each iteration then computes the direction, its step length (fixed or by
// line search) and moves x; without line search it evaluates f at the new x
// except on the last iteration, so the next Step starts by evaluating there.
// A Step ends after MaxIter iterations, once MaxEval evaluations are reached
// or when a tolerance test passes; the optimiser's memory carries over to
// the next Step.
//
// ctx is checked before the first evaluation and before each iteration;
// cancellation ends the Step like MaxIter would (the optimiser stays usable)
// and returns ctx's error wrapped. To stop within a long line search, let f
// return an error.
//
// If the loss or gradient is not finite, Step returns a *NonFiniteError and x
// is the last iterate at which they were finite (the iterate the failing line
// search started from, or the one before the failing fixed step). An error
// from f or the Space is returned wrapped with x likewise restored. After such
// an error the optimiser refuses to step until a state is restored.
func (o *LBFGS) Step(ctx context.Context, f Func) (float64, error) {
	if o.closed {
		return 0, ErrClosed
	}
	if o.failed != nil {
		return 0, failedError("LBFGS", o.failed)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("optim: LBFGS: %w", err)
	}
	cfg := &o.cfg
	sp := o.s

	loss, err := o.evaluate(f, o.g)
	if err == nil {
		err = o.checkGrad(o.g)
	}
	if err != nil {
		if o.backupValid {
			sp.Copy(o.x, o.x0)
		}
		return loss, o.fail(err)
	}
	o.backupValid = false
	origLoss := loss
	currentEvals := 1
	if o.gmax <= cfg.TolGrad {
		return origLoss, nil
	}

	for nIter := 0; nIter < cfg.MaxIter; {
		if err := ctx.Err(); err != nil {
			return origLoss, fmt.Errorf("optim: LBFGS: %w", err)
		}
		if o.nIter > 0 {
			if err := o.ensureSpare(); err != nil {
				return origLoss, o.fail(err)
			}
		}
		nIter++
		o.nIter++

		// Direction.
		if o.nIter == 1 {
			sp.Copy(o.d, o.g)
			sp.Scale(o.d, -1)
			o.clearHistory()
			o.hDiag = 1
		} else {
			o.updateHistory()
			o.twoLoop()
		}
		sp.Copy(o.prevG, o.g)
		o.havePrev = true
		o.prevLoss = loss

		// Step length.
		if o.nIter == 1 {
			o.t = pyMin(1, 1/o.sc.absSum(o.g)) * cfg.LR
		} else {
			o.t = cfg.LR
		}
		gtd := o.sc.dot(o.g, o.d)
		if o.sc.err != nil {
			return origLoss, o.fail(o.sc.err)
		}
		if gtd > -cfg.TolChange {
			break
		}

		lsEvals := 0
		optCond := false
		if cfg.LineSearch == StrongWolfe {
			sp.Copy(o.x0, o.x)
			var t float64
			loss, t, lsEvals, err = o.strongWolfe(f, o.t, loss, gtd)
			if err != nil {
				return origLoss, o.fail(err)
			}
			o.t = t
			sp.Axpy(o.x, o.t, o.d)
			optCond = o.sc.maxAbs(o.g) <= cfg.TolGrad
		} else {
			sp.Copy(o.x0, o.x)
			o.backupValid = true
			sp.Axpy(o.x, o.t, o.d)
			if nIter != cfg.MaxIter {
				loss, err = o.evaluate(f, o.g)
				if err == nil {
					err = o.checkGrad(o.g)
				}
				if err != nil {
					sp.Copy(o.x, o.x0)
					o.backupValid = false
					return origLoss, o.fail(err)
				}
				o.backupValid = false
				optCond = o.gmax <= cfg.TolGrad
				lsEvals = 1
			}
		}
		currentEvals += lsEvals

		if cfg.Callback != nil {
			it := Iteration{Iter: o.nIter, Evals: o.funcEvals, Loss: loss, Step: o.t}
			if err := cfg.Callback(it); err != nil {
				return origLoss, fmt.Errorf("optim: LBFGS: callback at iteration %d: %w", o.nIter, err)
			}
		}

		// Stopping tests, in torch's order.
		if nIter == cfg.MaxIter || currentEvals >= cfg.MaxEval || optCond {
			break
		}
		if cfg.TolChange >= 0 && math.Abs(o.t)*o.sc.maxAbs(o.d) <= cfg.TolChange {
			break
		}
		if math.Abs(loss-o.prevLoss) < cfg.TolChange {
			break
		}
		if o.sc.err != nil {
			return origLoss, o.fail(o.sc.err)
		}
	}
	if o.sc.err != nil {
		return origLoss, o.fail(o.sc.err)
	}
	return origLoss, nil
}

// evaluate calls f at x, writing the gradient into g, and checks the loss.
func (o *LBFGS) evaluate(f Func, g Vector) (float64, error) {
	o.funcEvals++
	loss, err := f(o.x, g)
	if err != nil {
		return loss, fmt.Errorf("optim: LBFGS: evaluation %d: %w", o.funcEvals, err)
	}
	return loss, checkFinite("loss", loss, o.funcEvals)
}

// checkGrad sets o.gmax = max |g_i| and checks that it is finite.
func (o *LBFGS) checkGrad(g Vector) error {
	o.gmax = o.sc.maxAbs(g)
	if o.sc.err != nil {
		return o.sc.err
	}
	return checkFinite("gradient", o.gmax, o.funcEvals)
}

func (o *LBFGS) fail(err error) error {
	o.failed = err
	return err
}

// ensureSpare allocates the free correction pair if there is none.
func (o *LBFGS) ensureSpare() error {
	if o.dots == nil {
		_, total := candidateRows(o.cfg.History)
		v, err := o.s.New(total)
		if err != nil {
			return fmt.Errorf("optim: LBFGS: allocating history: %w", err)
		}
		o.dots, o.dotsHost = v, make([]float64, v.Len())
	}
	for _, p := range []*Vector{&o.spareY, &o.spareS} {
		if *p == nil {
			v, err := o.s.New(o.n)
			if err != nil {
				return fmt.Errorf("optim: LBFGS: allocating history: %w", err)
			}
			*p = v
		}
	}
	return nil
}

func (o *LBFGS) clearHistory() {
	for i := range o.dirs {
		o.s.Free(o.dirs[i])
		o.s.Free(o.stps[i])
	}
	o.dirs, o.stps, o.ro = o.dirs[:0], o.stps[:0], o.ro[:0]
	o.gram.clear()
}

// Close frees the optimiser's vectors (not x). It is idempotent; a closed
// optimiser returns ErrClosed.
func (o *LBFGS) Close() {
	o.freeState()
	o.closed = true
}

func (o *LBFGS) freeState() {
	free := func(p *Vector) {
		if *p != nil {
			o.s.Free(*p)
			*p = nil
		}
	}
	for _, p := range []*Vector{&o.g, &o.d, &o.prevG, &o.x0, &o.spareY, &o.spareS, &o.dots} {
		free(p)
	}
	for i := range o.dirs {
		free(&o.dirs[i])
		free(&o.stps[i])
	}
	for i := range o.lsBufs {
		free(&o.lsBufs[i])
	}
	o.dirs, o.stps, o.ro, o.lsBufs = nil, nil, nil, nil
}

// pyMin and pyMax are Python's min and max of two numbers: the first
// argument unless the second is strictly smaller (larger).
func pyMin(a, b float64) float64 {
	if b < a {
		return b
	}
	return a
}

func pyMax(a, b float64) float64 {
	if b > a {
		return b
	}
	return a
}
