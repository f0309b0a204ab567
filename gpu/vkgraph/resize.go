package vkgraph

import (
	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// resize records a resize kernel (shaders/resize.glsl) with its operands
// in binding order, one invocation per element of a plane of perPlane
// elements.
func (b *Backend) resize(name kernelName, p graph.ResizeParams, perPlane int, ops ...operand) {
	k := b.kernel(name, gpu.KernelSpec{Bindings: 2, PushSize: 28})
	for _, r := range b.planeRuns(p.N*p.C, 0, ops...) {
		b.dispatchN(k, r.count*perPlane, []uint32{uint32(p.InH), uint32(p.InW), uint32(p.OutH), uint32(p.OutW),
			uint32(r.count), r.offs[0], r.offs[1]}, r.binds...)
	}
}

// resizeArgs checks the parameters and the lengths of the input-sized x
// and the output-sized y and returns them as operands.
func resizeArgs(kernel string, p graph.ResizeParams, x, y graph.Buffer, xn, yn string) (xo, yo operand) {
	p.Check()
	graph.CheckLen(kernel, xn, x, p.InShape().Len())
	graph.CheckLen(kernel, yn, y, p.OutShape().Len())
	return operand{x: unwrap(x), plane: p.InH * p.InW}, operand{x: unwrap(y), plane: p.OutH * p.OutW}
}

// BilinearResizeForward sets y to the bilinear resize of x, like torch's
// interpolate(mode='bilinear', align_corners=False)
// (shaders/resize_fwd.comp).
func (b *Backend) BilinearResizeForward(x, y graph.Buffer, p graph.ResizeParams) {
	xo, yo := resizeArgs("BilinearResizeForward", p, x, y, "x", "y")
	b.resize(kResizeFwd, p, yo.plane, xo, yo)
}

// BilinearResizeBackward accumulates into dx the transposed interpolation
// of dy, gathered per element of dx (shaders/resize_bwd.comp).
func (b *Backend) BilinearResizeBackward(dy, dx graph.Buffer, p graph.ResizeParams) {
	dxo, dyo := resizeArgs("BilinearResizeBackward", p, dx, dy, "dx", "dy")
	b.resize(kResizeBwd, p, dxo.plane, dyo, dxo)
}
