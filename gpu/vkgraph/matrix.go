package vkgraph

import (
	"fmt"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// Matrix products run on the convolution kernels: y = a·b is the 1×1
// convolution of b, read as K channels of a 1×P image, by the weight a
// (M×K×1×1); its backward-weight kernel gives dy·bᵀ and its backward-data
// kernel aᵀ·dy. They are the backend's tuned matrix products in both
// families, with their storage-buffer variants for large operands.

// matConv is the convolution that multiplies by p's a.
func matConv(p graph.MatMulParams) graph.Conv2DParams {
	return graph.Conv2DParams{N: 1, CIn: p.K, H: 1, W: p.P, COut: p.M, KH: 1, KW: 1, Stride: 1}
}

// MatMulForward sets y = a·b (a 1×1 convolution).
func (b *Backend) MatMulForward(a, bm, y graph.Buffer, p graph.MatMulParams) {
	p.Check()
	defer b.enclose("matmul")()
	b.Conv2DForward(bm, a, nil, y, matConv(p))
}

// MatMulBackward accumulates da += dy·bᵀ (the convolution's weight
// gradient) and db += aᵀ·dy (its data gradient).
func (b *Backend) MatMulBackward(a, bm, dy, da, db graph.Buffer, p graph.MatMulParams) {
	p.Check()
	defer b.enclose("matmul")()
	c := matConv(p)
	if da != nil {
		b.Conv2DBackwardWeight(bm, dy, da, c)
	}
	if db != nil {
		b.Conv2DBackwardData(dy, a, db, c)
	}
}

// mat_scale's flags (shaders/mat_scale.comp).
const (
	scaleX       = 1
	scaleAcc     = 2
	scaleInvSqrt = 4
	scaleQuarter = 8
)

// matScale records y = [y] + alpha·f·x + diag·I over an n×n matrix (see
// shaders/mat_scale.comp); x nil drops the x term, s the scalar f reads.
func (b *Backend) matScale(y, x, s graph.Buffer, n int, flags uint32, alpha, diag float32) {
	y0 := unwrap(y)
	graph.CheckLen("mat_scale", "y", y, n*n)
	xb, sb := y0, y0 // bound, not read
	if x != nil {
		graph.CheckLen("mat_scale", "x", x, n*n)
		xb, flags = unwrap(x), flags|scaleX
	}
	if s != nil {
		graph.CheckLen("mat_scale", "s", s, 1)
		sb = unwrap(s)
	}
	k := b.kernel(kMatScale, gpu.KernelSpec{Bindings: 3, PushSize: 16})
	b.dispatchN(k, n*n, []uint32{uint32(n), flags, f32(alpha), f32(diag)},
		b.input(xb, true), b.input(sb, true), b.input(y0, true))
}

// checkWork checks a square root's scratch buffers.
func checkWork(kernel string, work []graph.Buffer, p graph.SqrtmParams) {
	if len(work) != graph.SqrtmWork+graph.SqrtmScalars {
		panic(fmt.Sprintf("vkgraph: %s: %d work buffers, want %d", kernel, len(work), graph.SqrtmWork+graph.SqrtmScalars))
	}
	for i, w := range work {
		n := p.Size * p.Size
		if i >= graph.SqrtmWork {
			n = 1
		}
		graph.CheckLen(kernel, "work", w, n)
	}
}

// SqrtmForward records the Newton–Schulz iteration of graph.Sqrtm: the
// norm by the dot-product reduction, three matrix products per iteration
// and mat_scale for the rest.
func (b *Backend) SqrtmForward(a, y graph.Buffer, work []graph.Buffer, p graph.SqrtmParams) {
	p.Check()
	n := p.Size
	graph.CheckLen("SqrtmForward", "a", a, n*n)
	graph.CheckLen("SqrtmForward", "y", y, n*n)
	checkWork("SqrtmForward", work, p)
	defer b.enclose("sqrtm")()
	Y, Z, P, T, Y2, Z2, norm := work[0], work[1], work[2], work[3], work[4], work[5], work[graph.SqrtmWork]
	mm := graph.MatMulParams{M: n, K: n, P: n}
	b.DotForward(a, a, norm)                      // ‖a‖²
	b.matScale(Y, a, norm, n, scaleInvSqrt, 1, 0) // Y = a/‖a‖
	b.matScale(Z, nil, nil, n, 0, 0, 1)           // Z = I
	for range p.Iters {
		b.MatMulForward(Z, Y, P, mm)
		b.matScale(T, P, nil, n, 0, -0.5, 1.5) // T = (3I − Z·Y)/2
		b.MatMulForward(Y, T, Y2, mm)
		b.MatMulForward(T, Z, Z2, mm)
		Y, Y2, Z, Z2 = Y2, Y, Z2, Z
	}
	b.matScale(y, Y, norm, n, scaleQuarter, 1, 0) // y = Y·√‖a‖
}

// SqrtmBackward records the Newton–Schulz iteration of the Lyapunov
// equation (graph.Sqrtm): six matrix products per iteration.
func (b *Backend) SqrtmBackward(y, dy, da graph.Buffer, work []graph.Buffer, p graph.SqrtmParams) {
	p.Check()
	n := p.Size
	for name, buf := range map[string]graph.Buffer{"y": y, "dy": dy, "da": da} {
		graph.CheckLen("SqrtmBackward", name, buf, n*n)
	}
	checkWork("SqrtmBackward", work, p)
	defer b.enclose("sqrtm")()
	A, A2, Q, Q2, E, P, W, norm := work[0], work[1], work[2], work[3], work[4], work[5], work[6], work[graph.SqrtmWork]
	mm := graph.MatMulParams{M: n, K: n, P: n}
	b.DotForward(y, y, norm)
	b.matScale(A, y, norm, n, scaleInvSqrt, 1, 0)  // A = y/‖y‖
	b.matScale(Q, dy, norm, n, scaleInvSqrt, 1, 0) // Q = dy/‖y‖
	for it := range p.Iters {
		b.MatMulForward(A, A, P, mm)
		b.matScale(E, P, nil, n, 0, -1, 3) // E = 3I − A·A
		b.MatMulForward(Q, A, W, mm)
		b.Scale(W, -1)
		b.MatMulBackward(A, A, Q, nil, W, mm) // W = Aᵀ·Q − Q·A
		b.MatMulForward(Q, E, Q2, mm)
		b.Fill(P, 0)
		b.MatMulBackward(A, A, W, nil, P, mm) // P = Aᵀ·W
		b.Axpy(Q2, -1, P)
		b.Scale(Q2, 0.5) // Q = (Q·E − Aᵀ·W)/2
		Q, Q2 = Q2, Q
		if it < p.Iters-1 {
			b.MatMulForward(A, E, A2, mm)
			b.Scale(A2, 0.5) // A = A·E/2
			A, A2 = A2, A
		}
	}
	b.Axpy(da, 0.5, Q)
}

// enclose labels the dispatches of an op made of other ops (the matrix
// products of a square root) with its name, which the inner ops keep
// (see labelled); the returned function restores the label.
func (b *Backend) enclose(label string) func() {
	if b.opLabel != "" {
		return func() {}
	}
	b.opLabel = label
	restore := b.s.Batch().WithLabel(label)
	return func() { restore(); b.opLabel = "" }
}

// labelled sets the label of an op's dispatches, unless an enclosing op
// has set its own; the returned function restores the label.
func (b *Backend) labelled(label string) func() {
	if b.opLabel != "" {
		return func() {}
	}
	return b.s.Batch().WithLabel(label)
}
