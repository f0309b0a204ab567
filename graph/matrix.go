package graph

// Small dense matrices: a tensor of shape 1×1×R×C holds a matrix of R
// rows and C columns, row-major (the shape of a Gram matrix of one
// image). MatMul and Sqrtm work on them, one matrix at a time; the
// Wasserstein-2 style loss (crowsonkb's style-transfer-pytorch) is built
// from them, the Gram matrix and the channel means.

// MatMulParams describes y = a·b: a is M×K, b is K×P, y is M×P.
type MatMulParams struct{ M, K, P int }

// AShape, BShape and YShape are the operands' shapes.
func (p MatMulParams) AShape() Shape { return Shape{1, 1, p.M, p.K} }
func (p MatMulParams) BShape() Shape { return Shape{1, 1, p.K, p.P} }
func (p MatMulParams) YShape() Shape { return Shape{1, 1, p.M, p.P} }

// Check panics with a "graph:" message unless every size is positive.
func (p MatMulParams) Check() {
	if p.M < 1 || p.K < 1 || p.P < 1 {
		panicf("MatMul: invalid sizes %+v", p)
	}
}

// MatMul returns the matrix product a·b of a (1×1×M×K) and b (1×1×K×P),
// shaped 1×1×M×P, like torch.matmul. Gradients flow to both.
func (g *Graph) MatMul(a, b *Tensor) *Tensor {
	g.begin("MatMul", a, b)
	sa, sb := a.shape, b.shape
	if sa.N != 1 || sb.N != 1 || sa.C != 1 || sb.C != 1 || sa.W != sb.H {
		panicf("MatMul: %s (%v) and %s (%v) are not 1×1×M×K and 1×1×K×P", a.name, sa, b.name, sb)
	}
	p := MatMulParams{M: sa.H, K: sa.W, P: sb.W}
	p.Check()
	y := g.output("matmul", p.YShape(), a, b)
	g.emit("MatMulForward", false, list(a, b), list(y), func(be Backend) { be.MatMulForward(a.buf, b.buf, y.buf, p) })
	g.record(list(a, b), list(y), func(gout []*Tensor) {
		gy := gout[0]
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = g.gradOf(a)
		}
		if b.requiresGrad {
			gb = g.gradOf(b)
		}
		g.emit("MatMulBackward", true, list(a, b, gy), list(ga, gb), func(be Backend) {
			be.MatMulBackward(a.buf, b.buf, gy.buf, bufOf(ga), bufOf(gb), p)
		})
	})
	return y
}

// SqrtmParams describes the square root of a Size×Size matrix by Iters
// Newton–Schulz iterations.
type SqrtmParams struct{ Size, Iters int }

// Shape is the shape of the input and of the output, 1×1×Size×Size.
func (p SqrtmParams) Shape() Shape { return Shape{1, 1, p.Size, p.Size} }

// Check panics with a "graph:" message unless the size is positive and
// Iters is not negative.
func (p SqrtmParams) Check() {
	if p.Size < 1 || p.Iters < 0 {
		panicf("Sqrtm: invalid sizes %+v", p)
	}
}

// SqrtmWork is how many Size×Size matrices of scratch SqrtmForward and
// SqrtmBackward take (the iterates, their products and the next
// iterates), and SqrtmScalars how many scalars (the norm).
const (
	SqrtmWork    = 7
	SqrtmScalars = 1
)

// Sqrtm returns the square root of the matrix a (1×1×S×S) by the
// coupled Newton–Schulz iteration, as crowsonkb's sqrtm_ns computes it:
// with Y₀ = a/‖a‖_F and Z₀ = I,
//
//	T = (3I − Z·Y)/2,  Y ← Y·T,  Z ← T·Z    (iters times)
//
// and the result is Y·√‖a‖_F. It converges for matrices whose eigenvalues
// are real and positive (covariances plus a multiple of I), quadratically
// once the eigenvalues of Y are near 1; 12 iterations is crowsonkb's
// choice for the Wasserstein-2 loss. Its backward is not the derivative
// of the iteration but the solution X of the Lyapunov equation
// z·X + X·z = dz, the derivative of the true square root z of a
// symmetric matrix, found by the Newton–Schulz iteration of Lin & Maji
// (2017) run iters times, as crowsonkb's sqrtm_ns_lyap does. It is that
// derivative only for symmetric a (a covariance, the only use): at other
// matrices the iteration solves another equation.
func (g *Graph) Sqrtm(a *Tensor, iters int) *Tensor {
	g.begin("Sqrtm", a)
	s := a.shape
	if s.N != 1 || s.C != 1 || s.H != s.W {
		panicf("Sqrtm: %s is %v, not 1×1×S×S", a.name, s)
	}
	p := SqrtmParams{Size: s.H, Iters: iters}
	p.Check()
	y := g.output("sqrtm", s, a)
	fw := g.scratch(s)
	g.emit("SqrtmForward", false, list(a), append(list(y), fw...), func(b Backend) {
		b.SqrtmForward(a.buf, y.buf, bufs(fw), p)
	})
	g.record(list(a), list(y), func(gout []*Tensor) {
		gy, ga := gout[0], g.gradOf(a)
		bw := g.scratch(s)
		g.emit("SqrtmBackward", true, list(y, gy), append(list(ga), bw...), func(b Backend) {
			b.SqrtmBackward(y.buf, gy.buf, ga.buf, bufs(bw), p)
		})
	})
	return y
}

// scratch returns the work tensors of a square root of shape s: SqrtmWork
// matrices, then SqrtmScalars scalars. They live for one step.
func (g *Graph) scratch(s Shape) []*Tensor {
	var out []*Tensor
	for range SqrtmWork {
		out = append(out, g.output("sqrtm work", s))
	}
	for range SqrtmScalars {
		out = append(out, g.output("sqrtm norm", Scalar))
	}
	return out
}

// bufs returns the tensors' buffers.
func bufs(ts []*Tensor) []Buffer {
	out := make([]Buffer, len(ts))
	for i, t := range ts {
		out[i] = t.buf
	}
	return out
}
