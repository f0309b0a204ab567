package optim

import (
	"fmt"
	"math"
)

// The vector-free two-loop recursion (Chen, Wang & Yu, "Large-scale L-BFGS
// using MapReduce", NeurIPS 2014). The direction -H·g of the two-loop
// recursion is a linear combination of the basis vectors s₀…s_{k−1},
// y₀…y_{k−1} and g, and every dot product the recursion takes is one of
// d's with a basis vector, so it is a combination of the inner products
// of the basis vectors. L-BFGS keeps those products on the host (a
// (2k+1)² matrix, symmetric), updates them with three vectors' products
// with the basis per iteration (the new s, the new y and the new g: one
// DotsTo and one read-back), runs the recursion on scalars, and forms d
// on the device by one Combine: two passes over the history, and a few
// dispatches that grow by one per dozen stored vectors, where the
// textbook loop records two kernels per stored pair and direction of the
// loop.
//
// The result is the two-loop's d in exact arithmetic; in floating point
// the dot products are taken of the basis vectors rather than of the
// partly formed d, and the recursion's scalars are float64, so d agrees
// with the vector loop's to the rounding of the vectors' precision.

// gramHistory is the matrix of inner products of the basis vectors, in the
// order of LBFGS.stps and LBFGS.dirs (oldest first): ss[i][j] = sᵢᵀsⱼ,
// sy[i][j] = sᵢᵀyⱼ, yy[i][j] = yᵢᵀyⱼ, and gs[i] = gᵀsᵢ, gy[i] = gᵀyᵢ for
// the current gradient g.
type gramHistory struct {
	ss, sy, yy [][]float64
	gs, gy     []float64
	// stale says the matrix does not describe the stored pairs (after a
	// state was restored): the next update computes it whole.
	stale bool
}

// clear forgets every pair.
func (h *gramHistory) clear() {
	h.ss, h.sy, h.yy, h.gs, h.gy = h.ss[:0], h.sy[:0], h.yy[:0], h.gs[:0], h.gy[:0]
	h.stale = false
}

// candidateRows lays out the products that one update reads back, for k
// stored pairs and a candidate (s, y): with the basis
// b = [s₀…s_{k−1}, s, y₀…y_{k−1}, y] of n = 2(k+1) vectors, gᵀb at 0, sᵀb
// at n and yᵀb at 2n.
func candidateRows(k int) (n, total int) {
	n = 2 * (k + 1)
	return n, 3 * n
}

// rebuildRows lays out the products that compute the matrix whole for k
// pairs: for each i, sᵢᵀ[s₀…s_{k−1}, y₀…y_{k−1}] at 2k·i, and after those
// yᵢᵀ[y₀…y_{k−1}] at 2k² + k·i.
func rebuildRows(k int) int { return 3 * k * k }

// rebuild sets the pairs' products from the rows laid out by rebuildRows.
func (h *gramHistory) rebuild(k int, rows []float64) {
	h.ss, h.sy, h.yy = make([][]float64, k), make([][]float64, k), make([][]float64, k)
	for i := range k {
		r := rows[2*k*i:]
		h.ss[i] = append([]float64(nil), r[:k]...)
		h.sy[i] = append([]float64(nil), r[k:2*k]...)
		h.yy[i] = append([]float64(nil), rows[2*k*k+k*i:2*k*k+k*(i+1)]...)
	}
	h.stale = false
}

// update takes the products laid out by candidateRows for k pairs. If keep,
// the candidate pair is appended (and the oldest dropped first when drop);
// gs and gy follow the pairs kept.
func (h *gramHistory) update(k int, rows []float64, keep, drop bool) {
	n, _ := candidateRows(k)
	g, s, y := rows[:n], rows[n:2*n], rows[2*n:3*n]
	// In b, sᵢ is at i (the candidate s at k) and yᵢ at k+1+i (y at 2k+1).
	if !keep {
		h.gs = append(h.gs[:0], g[:k]...)
		h.gy = append(h.gy[:0], g[k+1:2*k+1]...)
		return
	}
	for i := range k {
		h.ss[i] = append(h.ss[i], s[i])     // sᵢᵀs
		h.sy[i] = append(h.sy[i], y[i])     // sᵢᵀy
		h.yy[i] = append(h.yy[i], y[k+1+i]) // yᵢᵀy
	}
	h.ss = append(h.ss, append([]float64(nil), s[:k+1]...))
	h.sy = append(h.sy, append([]float64(nil), s[k+1:2*k+2]...))
	h.yy = append(h.yy, append([]float64(nil), y[k+1:2*k+2]...))
	h.gs = append(h.gs[:0], g[:k+1]...)
	h.gy = append(h.gy[:0], g[k+1:2*k+2]...)
	if drop {
		for _, m := range []*[][]float64{&h.ss, &h.sy, &h.yy} {
			*m = (*m)[1:]
			for i := range *m {
				(*m)[i] = (*m)[i][1:]
			}
		}
		h.gs, h.gy = h.gs[1:], h.gy[1:]
	}
}

// direction runs the two-loop recursion of Nocedal & Wright's Algorithm
// 7.4 with H₀ = hDiag·I on the coefficients of d in the basis: it returns
// cs and cy, d's coefficients of sᵢ and yᵢ, and cg, that of g, so that
// d = −H·g = cg·g + Σ csᵢ·sᵢ + Σ cyᵢ·yᵢ.
func (h *gramHistory) direction(ro []float64, hDiag float64) (cs, cy []float64, cg float64) {
	k := len(ro)
	cs, cy, cg = make([]float64, k), make([]float64, k), -1
	// sd(i) = sᵢᵀd and yd(i) = yᵢᵀd for the d the coefficients give now.
	sd := func(i int) float64 {
		v := cg * h.gs[i]
		for j := range k {
			v += cs[j]*h.ss[i][j] + cy[j]*h.sy[i][j]
		}
		return v
	}
	yd := func(i int) float64 {
		v := cg * h.gy[i]
		for j := range k {
			v += cs[j]*h.sy[j][i] + cy[j]*h.yy[i][j]
		}
		return v
	}
	alpha := make([]float64, k)
	for i := k - 1; i >= 0; i-- {
		alpha[i] = ro[i] * sd(i)
		cy[i] -= alpha[i]
	}
	cg *= hDiag
	for i := range k {
		cs[i] *= hDiag
		cy[i] *= hDiag
	}
	for i := range k {
		cs[i] += alpha[i] - ro[i]*yd(i)
	}
	return cs, cy, cg
}

// updateHistory forms y = g - g_prev and s = t·d in the spare pair and stores
// them if sᵀy > 1e-10, dropping the oldest pair when History are stored, and
// updates the initial Hessian scale sᵀy/yᵀy (Nocedal & Wright eq. 7.20) and
// the inner products of the vector-free two-loop: the products of s, y and
// g with the stored pairs and the candidate, read back in one go.
func (o *LBFGS) updateHistory() {
	sp := o.s
	y, s := o.spareY, o.spareS
	sp.Copy(y, o.g)
	sp.Axpy(y, -1, o.prevG)
	sp.Copy(s, o.d)
	sp.Scale(s, o.t)
	k := len(o.dirs)
	if o.gram.stale && !o.rebuildGram() {
		return
	}
	basis := make([]Vector, 0, 2*(k+1))
	basis = append(append(basis, o.stps...), s)
	basis = append(append(basis, o.dirs...), y)
	n, total := candidateRows(k)
	sp.DotsTo(o.dots, 0, []Vector{o.g, s, y}, basis)
	rows := o.dotsHost[:total]
	ys, yy := math.NaN(), math.NaN()
	if o.sc.read(o.dots, o.dotsHost) {
		ys, yy = rows[n+2*k+1], rows[2*n+2*k+1] // sᵀy, yᵀy
	}
	keep := ys > 1e-10
	full := len(o.dirs) == o.cfg.History
	if o.sc.err == nil {
		o.gram.update(k, rows, keep, keep && full)
	}
	if !keep {
		return
	}
	if full {
		o.spareY, o.spareS = o.dirs[0], o.stps[0]
		copy(o.dirs, o.dirs[1:])
		copy(o.stps, o.stps[1:])
		copy(o.ro, o.ro[1:])
		o.dirs, o.stps, o.ro = o.dirs[:len(o.dirs)-1], o.stps[:len(o.stps)-1], o.ro[:len(o.ro)-1]
	} else {
		o.spareY, o.spareS = nil, nil
	}
	o.dirs = append(o.dirs, y)
	o.stps = append(o.stps, s)
	o.ro = append(o.ro, 1/ys)
	o.hDiag = ys / yy
}

// rebuildGram computes the inner products of the stored pairs whole (after
// a state was restored), each as an update would have: a product of a and
// b is the same as one of b and a, so the resumed run's matrix has the
// bits of the uninterrupted one's. It reports whether it succeeded.
func (o *LBFGS) rebuildGram() bool {
	k := len(o.dirs)
	if k == 0 {
		o.gram.rebuild(0, nil)
		return true
	}
	v, err := o.s.New(rebuildRows(k))
	if err != nil {
		o.sc.err = fmt.Errorf("optim: LBFGS: rebuilding the history's products: %w", err)
		return false
	}
	defer o.s.Free(v)
	pairs := append(append([]Vector(nil), o.stps...), o.dirs...)
	o.s.DotsTo(v, 0, o.stps, pairs)
	o.s.DotsTo(v, 2*k*k, o.dirs, o.dirs)
	rows := make([]float64, v.Len())
	if !o.sc.read(v, rows) {
		return false
	}
	o.gram.rebuild(k, rows)
	return true
}

// twoLoop sets d = -H·g by the two-loop recursion, Nocedal & Wright,
// Algorithm 7.4, with H₀ = hDiag·I, run vector-free (see vectorfree.go):
// on the host over the inner products, then d as one combination of g and
// the stored pairs.
func (o *LBFGS) twoLoop() {
	if o.sc.err != nil || o.gram.stale || len(o.gram.gs) != len(o.ro) {
		// The products could not be read (the Space's error is pending,
		// and Step returns it at its next scalar): no direction.
		return
	}
	cs, cy, cg := o.gram.direction(o.ro, o.hDiag)
	coefs := append(append([]float64{cg}, cs...), cy...)
	vecs := append(append([]Vector{o.g}, o.stps...), o.dirs...)
	o.s.Combine(o.d, coefs, vecs)
}
