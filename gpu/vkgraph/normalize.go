package vkgraph

import (
	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// The kernels of graph.NormalizeGrad's backward: an L1 norm into a
// 1-element buffer, then an axpy scaled by it, so nothing is read back.

// AbsSum sets out[0] = Σ |x| (the gpu package's deterministic asum
// reduction).
func (b *Backend) AbsSum(x, out graph.Buffer) {
	x0 := unwrap(x)
	graph.CheckLen("AbsSum", "out", out, 1)
	b.s.Fail(b.s.Batch().AbsSum(unwrap(out).buf, 0, x0.buf, x0.n))
}

// AxpyNormalized accumulates dx += g·w/(norm[0] + w·eps)
// (shaders/axpy_norm.comp).
func (b *Backend) AxpyNormalized(g, norm, dx graph.Buffer, w, eps float32) {
	g0 := unwrap(g)
	graph.CheckLen("AxpyNormalized", "norm", norm, 1)
	graph.CheckLen("AxpyNormalized", "dx", dx, g0.n)
	n0, dx0 := unwrap(norm), unwrap(dx)
	k := b.kernel(kAxpyNorm, gpu.KernelSpec{Bindings: 3, PushSize: 12})
	for _, c := range b.flatChunks(g0.n, 1) {
		b.dispatchN(k, c[1], []uint32{uint32(c[1]), f32(w), f32(eps)},
			elems(g0, c[0], c[1]), scalar(n0), elems(dx0, c[0], c[1]))
	}
}
