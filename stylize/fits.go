package stylize

import (
	"fmt"

	"github.com/vkstyle/vkstyle/graph"
)

// fitMargin is the share of the budget the -size advice plans for, so
// that a suggested size still fits when the budget moves a little.
const fitMargin = 0.95

// sizeAdvice is the advice of fitObjective's checkFits when a scale's
// plan does not fit the engine's budget: the largest -size, a multiple of
// 16 below o.Size, at which every scale of the run fits. Each candidate
// is planned, scale by scale, as runScale plans it (the objective and the
// optimiser's vectors), rather than estimated by scaling the need with
// the square of the side: the network's weights and the style targets'
// Gram matrices do not shrink with the image, so with a small budget the
// square law suggests sizes that do not fit. shrink, checkFits' estimate,
// is not used.
func (st *state) sizeAdvice(shrink float64) string {
	budget := int64(float64(st.eng.Budget()) * fitMargin)
	// need(k) is the largest need over the scales at -size 16·k, or -1
	// when the run cannot be planned at that size.
	need := func(k int) int64 {
		o := st.o
		o.Size = 16 * k
		worst := int64(0)
		for _, sc := range Schedule(o) {
			w, h := FitSide(st.r.Content.W, st.r.Content.H, sc.Side)
			sh, err := st.objShape(sc, w, h)
			if err != nil {
				return -1
			}
			ob, err := buildObjective(st.m, st.eng.Backend(), o, sh)
			if err != nil {
				return -1
			}
			worst = max(worst, ob.planBytes()+o.optimiserBytes(3*w*h, sc.Iterations))
		}
		return worst
	}
	fits := func(k int) bool { n := need(k); return n >= 0 && n <= budget }
	// Memory grows with the size: bisect for the largest k that fits.
	lo, hi := 0, (st.o.Size-1)/16 // fits(lo) is taken as true, fits(hi+1) false
	for lo < hi {
		k := (lo + hi + 1) / 2
		if fits(k) {
			lo = k
		} else {
			hi = k - 1
		}
	}
	if lo == 0 {
		at := "no smaller -size fits"
		if n := need(1); n > 0 {
			at = fmt.Sprintf("no -size fits (at -size 16 the run still needs about %s)", graph.FormatBytes(n))
		}
		if st.o.Optimizer == "lbfgs" {
			at += "; a smaller -history, or -optimizer adam, needs less"
		}
		return at
	}
	return fmt.Sprintf("use -size %d or less", 16*lo)
}
