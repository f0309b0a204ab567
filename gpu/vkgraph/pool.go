package vkgraph

import (
	"math"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// The 2×2 pooling kernels (shaders/pool.glsl) run over runs of the N·C
// planes, one invocation per window (output element). The windows do not
// overlap, so the backward kernels write each element of dx from one
// invocation.

// pool records the named pooling kernel with its operands in binding order.
func (b *Backend) pool(name kernelName, s graph.Shape, ops ...operand) {
	b.poolTo(name, s, graph.PoolShape(s), 0, ops...)
}

// poolTo is pool with output shape o: PoolShapeCeil for ceil mode.
// scale is L2 pooling's factor (0 for the others).
func (b *Backend) poolTo(name kernelName, s, o graph.Shape, scale float32, ops ...operand) {
	k := b.kernel(name, gpu.KernelSpec{Bindings: len(ops), PushSize: 36})
	for _, r := range b.planeRuns(s.N*s.C, 0, ops...) {
		w := []uint32{uint32(s.H), uint32(s.W), uint32(o.H), uint32(o.W), uint32(r.count), 0, 0, 0, math.Float32bits(scale)}
		copy(w[5:8], r.offs)
		b.dispatchN(k, r.count*o.H*o.W, w, r.binds...)
	}
}

// poolArgs checks the lengths of a pooling kernel's input-sized buffer x and
// output-sized buffer y and returns them as operands.
func poolArgs(kernel string, s graph.Shape, x, y graph.Buffer, xn, yn string) (xo, yo operand) {
	o := graph.PoolShape(s)
	graph.CheckLen(kernel, xn, x, s.Len())
	graph.CheckLen(kernel, yn, y, o.Len())
	return operand{x: unwrap(x), plane: s.H * s.W}, operand{x: unwrap(y), plane: o.H * o.W}
}

// MaxPool2x2Forward sets y to the first maximum of each 2×2 window
// (shaders/maxpool_fwd.comp).
func (b *Backend) MaxPool2x2Forward(x, y graph.Buffer, s graph.Shape) {
	xo, yo := poolArgs("MaxPool2x2Forward", s, x, y, "x", "y")
	b.pool(kMaxPoolFwd, s, xo, yo)
}

// MaxPool2x2Backward accumulates dy into dx at each window's first maximum,
// recomputed from x (shaders/maxpool_bwd.comp).
func (b *Backend) MaxPool2x2Backward(x, dy, dx graph.Buffer, s graph.Shape) {
	xo, dyo := poolArgs("MaxPool2x2Backward", s, x, dy, "x", "dy")
	dxo, _ := poolArgs("MaxPool2x2Backward", s, dx, dy, "dx", "dy")
	b.pool(kMaxPoolBwd, s, xo, dyo, dxo)
}

// MaxPool2x2CeilForward is MaxPool2x2Forward in ceil mode: the same
// kernel over ⌈H/2⌉×⌈W/2⌉ windows, which repeat the last row or column
// past the edge.
func (b *Backend) MaxPool2x2CeilForward(x, y graph.Buffer, s graph.Shape) {
	o := graph.PoolShapeCeil(s)
	graph.CheckLen("MaxPool2x2CeilForward", "x", x, s.Len())
	graph.CheckLen("MaxPool2x2CeilForward", "y", y, o.Len())
	b.poolTo(kMaxPoolFwd, s, o, 0, operand{x: unwrap(x), plane: s.H * s.W}, operand{x: unwrap(y), plane: o.H * o.W})
}

// MaxPool2x2CeilBackward is MaxPool2x2Backward in ceil mode.
func (b *Backend) MaxPool2x2CeilBackward(x, dy, dx graph.Buffer, s graph.Shape) {
	o := graph.PoolShapeCeil(s)
	graph.CheckLen("MaxPool2x2CeilBackward", "x", x, s.Len())
	graph.CheckLen("MaxPool2x2CeilBackward", "dy", dy, o.Len())
	graph.CheckLen("MaxPool2x2CeilBackward", "dx", dx, s.Len())
	b.poolTo(kMaxPoolBwd, s, o, 0, operand{x: unwrap(x), plane: s.H * s.W}, operand{x: unwrap(dy), plane: o.H * o.W},
		operand{x: unwrap(dx), plane: s.H * s.W})
}

// AvgPool2x2Forward sets y to the mean of each 2×2 window
// (shaders/avgpool_fwd.comp).
func (b *Backend) AvgPool2x2Forward(x, y graph.Buffer, s graph.Shape) {
	xo, yo := poolArgs("AvgPool2x2Forward", s, x, y, "x", "y")
	b.pool(kAvgPoolFwd, s, xo, yo)
}

// AvgPool2x2Backward accumulates dy/4 into each element of its window
// (shaders/avgpool_bwd.comp).
func (b *Backend) AvgPool2x2Backward(dy, dx graph.Buffer, s graph.Shape) {
	dxo, dyo := poolArgs("AvgPool2x2Backward", s, dx, dy, "dx", "dy")
	b.pool(kAvgPoolBwd, s, dyo, dxo)
}

// L2Pool2x2Forward sets y to scale times the L2 norm of each 2×2 window
// (shaders/l2pool_fwd.comp).
func (b *Backend) L2Pool2x2Forward(x, y graph.Buffer, s graph.Shape, scale float32) {
	xo, yo := poolArgs("L2Pool2x2Forward", s, x, y, "x", "y")
	b.poolTo(kL2PoolFwd, s, graph.PoolShape(s), scale, xo, yo)
}

// L2Pool2x2Backward accumulates dy·scale·x/‖window‖ into each element of
// its window, the norm recomputed from x (shaders/l2pool_bwd.comp).
func (b *Backend) L2Pool2x2Backward(x, dy, dx graph.Buffer, s graph.Shape, scale float32) {
	xo, dyo := poolArgs("L2Pool2x2Backward", s, x, dy, "x", "dy")
	dxo, _ := poolArgs("L2Pool2x2Backward", s, dx, dy, "dx", "dy")
	b.poolTo(kL2PoolBwd, s, graph.PoolShape(s), scale, xo, dyo, dxo)
}
