package vkgraph

import (
	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// DotForward sets out[0] = Σ x·c (the gpu package's deterministic dot
// reduction, shaders/dot.comp).
func (b *Backend) DotForward(x, c, out graph.Buffer) {
	x0 := unwrap(x)
	graph.CheckLen("DotForward", "c", c, x0.n)
	graph.CheckLen("DotForward", "out", out, 1)
	b.s.Fail(b.s.Batch().Dot(unwrap(out).buf, 0, x0.buf, unwrap(c).buf, x0.n))
}

// DotBackward accumulates dx += dout[0]·c, the coefficient read on the
// device (shaders/axpy_coef.comp).
func (b *Backend) DotBackward(c, dout, dx graph.Buffer) {
	c0 := unwrap(c)
	graph.CheckLen("DotBackward", "dout", dout, 1)
	graph.CheckLen("DotBackward", "dx", dx, c0.n)
	b.s.Fail(b.s.Batch().AxpyCoef(unwrap(dx).buf, unwrap(dout).buf, gpu.Coef{W1: 1}, c0.buf, c0.n))
}
