package optim

// The vector-free two-loop recursion (Chen, Wang & Yu, "Large-scale L-BFGS
// using MapReduce", NeurIPS 2014). The direction -H·g of the two-loop
// recursion is a linear combination of the basis vectors s₀…s_{k−1},
// y₀…y_{k−1} and g, and every dot product the recursion takes is one of
// d's with a basis vector, so it is a combination of the inner products
// of the basis vectors. L-BFGS keeps those products on the host (a
// (2k+1)² matrix, symmetric), updates them with three vectors' products
// with the basis per iteration (the new s, the new y and the new g: three
// DotsTo calls and one read-back), runs the recursion on scalars, and
// forms d on the device by one Combine. An iteration therefore records
// the same few kernels whatever the history, where the textbook loop
// records two per stored pair and direction of the loop.
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
// pairs: for each i, sᵢᵀ[s₀…s_{k−1}, y₀…y_{k−1}] at 3k·i and
// yᵢᵀ[y₀…y_{k−1}] at 3k·i + 2k.
func rebuildRows(k int) int { return 3 * k * k }

// rebuild sets the pairs' products from the rows laid out by rebuildRows.
func (h *gramHistory) rebuild(k int, rows []float64) {
	h.ss, h.sy, h.yy = make([][]float64, k), make([][]float64, k), make([][]float64, k)
	for i := range k {
		r := rows[3*k*i:]
		h.ss[i] = append([]float64(nil), r[:k]...)
		h.sy[i] = append([]float64(nil), r[k:2*k]...)
		h.yy[i] = append([]float64(nil), r[2*k:3*k]...)
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
