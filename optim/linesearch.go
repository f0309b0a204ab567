package optim

import (
	"fmt"
	"math"
)

// Constants of the strong Wolfe line search, as in torch's _strong_wolfe.
const (
	wolfeC1        = 1e-4 // sufficient decrease (Armijo) parameter c₁
	wolfeC2        = 0.9  // curvature parameter c₂
	wolfeTolChange = 1e-9 // smallest bracket width, times max |d_i|
	wolfeMaxLS     = 25   // evaluations per line search
)

// strongWolfe searches along o.d from o.x0 (== o.x) for a step t satisfying
// the strong Wolfe conditions (Nocedal & Wright, Numerical Optimization,
// 2nd ed., §3.5, eq. 3.7):
//
//	f(x+t·d) <= f(x) + c₁·t·gᵀd    and    |g(x+t·d)ᵀd| <= -c₂·gᵀd,
//
// with the bracketing phase of Algorithm 3.5 and the zoom phase of
// Algorithm 3.6, trial steps chosen by cubic interpolation (eq. 3.59) and
// safeguarded as torch's _strong_wolfe (PyTorch 1.13, itself ported from
// torch/optim's lswolfe.lua) does: extrapolation within [t+0.01(t-t_prev),
// 10t], interpolation kept 10% of the bracket away from its ends when
// progress is poor, at most 25 evaluations, and a stop when the bracket is
// narrower than 1e-9/max|d_i|.
//
// t is the initial trial step, f0 and gtd0 the loss and directional
// derivative at x. It returns the loss at the chosen step, the step and the
// number of evaluations, and leaves the gradient at the chosen step in o.g
// and x at o.x0 (the caller moves it).
func (o *LBFGS) strongWolfe(f Func, t, f0, gtd0 float64) (float64, float64, int, error) {
	// Gradients live in buffers numbered 0 (o.g, the gradient at x on entry)
	// and 1.. (o.lsBufs); the bracket refers to them by number, so that no
	// vector is copied.
	dNorm := o.sc.maxAbs(o.d)
	const g0 = 0

	gNew, err := o.freeBuf(g0, -1, -1)
	if err != nil {
		return 0, 0, 0, err
	}
	fNew, gtdNew, err := o.dirEval(f, t, o.lsBuf(gNew))
	if err != nil {
		return 0, 0, 0, err
	}
	evals := 1

	// Bracketing phase.
	tPrev, fPrev, gPrev, gtdPrev := 0.0, f0, g0, gtd0
	var (
		br       [2]float64
		brF      [2]float64
		brG      [2]int
		brGtd    [2]float64
		brLen    int
		done     bool
		lsIter   int
		bracket2 = func(t0, t1, f0, f1 float64, g0, g1 int, d0, d1 float64) {
			br, brF, brG, brGtd, brLen = [2]float64{t0, t1}, [2]float64{f0, f1}, [2]int{g0, g1}, [2]float64{d0, d1}, 2
		}
	)
	for lsIter < wolfeMaxLS {
		if fNew > f0+wolfeC1*t*gtd0 || (lsIter > 1 && fNew >= fPrev) {
			bracket2(tPrev, t, fPrev, fNew, gPrev, gNew, gtdPrev, gtdNew)
			break
		}
		if math.Abs(gtdNew) <= -wolfeC2*gtd0 {
			br[0], brF[0], brG[0], brLen = t, fNew, gNew, 1
			done = true
			break
		}
		if gtdNew >= 0 {
			bracket2(tPrev, t, fPrev, fNew, gPrev, gNew, gtdPrev, gtdNew)
			break
		}
		// Extrapolate.
		minStep := t + 0.01*(t-tPrev)
		maxStep := t * 10
		tmp := t
		t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, minStep, maxStep)
		tPrev, fPrev, gPrev, gtdPrev = tmp, fNew, gNew, gtdNew
		if gNew, err = o.freeBuf(g0, gPrev, -1); err != nil {
			return 0, 0, 0, err
		}
		if fNew, gtdNew, err = o.dirEval(f, t, o.lsBuf(gNew)); err != nil {
			return 0, 0, 0, err
		}
		evals++
		lsIter++
	}
	if lsIter == wolfeMaxLS {
		// torch leaves bracket_gtd unset here; the zoom loop does not run.
		bracket2(0, t, f0, fNew, g0, gNew, 0, 0)
	}

	// Zoom phase.
	insufProgress := false
	lo, hi := 0, 1
	if !(brF[0] <= brF[brLen-1]) {
		lo, hi = 1, 0
	}
	for !done && lsIter < wolfeMaxLS {
		if math.Abs(br[1]-br[0])*dNorm < wolfeTolChange {
			break
		}
		t = cubicInterpolate(br[0], brF[0], brGtd[0], br[1], brF[1], brGtd[1], pyMin(br[0], br[1]), pyMax(br[0], br[1]))
		bMax, bMin := pyMax(br[0], br[1]), pyMin(br[0], br[1])
		eps := 0.1 * (bMax - bMin)
		if pyMin(bMax-t, t-bMin) < eps {
			// Close to an end of the bracket: after poor progress, or at
			// the end itself, move 10% of the bracket away from it.
			if insufProgress || t >= bMax || t <= bMin {
				if math.Abs(t-bMax) < math.Abs(t-bMin) {
					t = bMax - eps
				} else {
					t = bMin + eps
				}
				insufProgress = false
			} else {
				insufProgress = true
			}
		} else {
			insufProgress = false
		}

		if gNew, err = o.freeBuf(brG[0], brG[1], -1); err != nil {
			return 0, 0, 0, err
		}
		if fNew, gtdNew, err = o.dirEval(f, t, o.lsBuf(gNew)); err != nil {
			return 0, 0, 0, err
		}
		evals++
		lsIter++

		if fNew > f0+wolfeC1*t*gtd0 || fNew >= brF[lo] {
			// Not sufficient decrease, or not below the low end: new high.
			br[hi], brF[hi], brG[hi], brGtd[hi] = t, fNew, gNew, gtdNew
			lo, hi = 0, 1
			if !(brF[0] <= brF[1]) {
				lo, hi = 1, 0
			}
		} else {
			if math.Abs(gtdNew) <= -wolfeC2*gtd0 {
				done = true
			} else if gtdNew*(br[hi]-br[lo]) >= 0 {
				// The old low end becomes the high end.
				br[hi], brF[hi], brG[hi], brGtd[hi] = br[lo], brF[lo], brG[lo], brGtd[lo]
			}
			br[lo], brF[lo], brG[lo], brGtd[lo] = t, fNew, gNew, gtdNew
		}
	}

	// The gradient of the chosen point becomes o.g.
	if k := brG[lo]; k != g0 {
		o.g, o.lsBufs[k-1] = o.lsBufs[k-1], o.g
	}
	return brF[lo], br[lo], evals, o.sc.err
}

// lsBuf returns gradient buffer k (0 is o.g).
func (o *LBFGS) lsBuf(k int) Vector {
	if k == 0 {
		return o.g
	}
	return o.lsBufs[k-1]
}

// freeBuf returns the number of a gradient buffer other than a, b and c,
// allocating one if needed.
func (o *LBFGS) freeBuf(a, b, c int) (int, error) {
	for k := 1; k <= len(o.lsBufs); k++ {
		if k != a && k != b && k != c {
			return k, nil
		}
	}
	v, err := o.s.New(o.n)
	if err != nil {
		return 0, fmt.Errorf("optim: LBFGS: line search: %w", err)
	}
	o.lsBufs = append(o.lsBufs, v)
	return len(o.lsBufs), nil
}

// dirEval evaluates f at x0 + t·d (torch's _directional_evaluate), writing the
// gradient into g, restores x to x0 and returns the loss and gᵀd.
func (o *LBFGS) dirEval(f Func, t float64, g Vector) (float64, float64, error) {
	o.s.Axpy(o.x, t, o.d)
	loss, err := o.evaluate(f, g)
	o.s.Copy(o.x, o.x0)
	if err != nil {
		return 0, 0, err
	}
	gtd := o.sc.dot(g, o.d)
	if o.sc.err != nil {
		return 0, 0, o.sc.err
	}
	if err := checkFinite("directional derivative", gtd, o.funcEvals); err != nil {
		return 0, 0, err
	}
	return loss, gtd, nil
}

// cubicInterpolate returns the minimiser, clamped to [lo, hi], of the cubic
// through (x1, f1) and (x2, f2) with slopes g1 and g2 (Nocedal & Wright,
// eq. 3.59), or the middle of [lo, hi] if the cubic has no minimiser. It
// follows torch's _cubic_interpolate, which the zoom phase calls with the
// bracket as bounds.
func cubicInterpolate(x1, f1, g1, x2, f2, g2, lo, hi float64) float64 {
	d1 := g1 + g2 - 3*(f1-f2)/(x1-x2)
	d2Square := d1*d1 - g1*g2
	if d2Square >= 0 {
		d2 := math.Sqrt(d2Square)
		var minPos float64
		if x1 <= x2 {
			minPos = x2 - (x2-x1)*((g2+d2-d1)/(g2-g1+2*d2))
		} else {
			minPos = x1 - (x1-x2)*((g1+d2-d1)/(g1-g2+2*d2))
		}
		return pyMin(pyMax(minPos, lo), hi)
	}
	return (lo + hi) / 2
}
