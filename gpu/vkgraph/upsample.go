package vkgraph

import (
	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// upsample records an upsampling kernel (shaders/upsample.glsl) over runs
// of planes, n invocations per plane.
func (b *Backend) upsample(name kernelName, p graph.UpsampleParams, perPlane int, ops ...operand) {
	k := b.kernel(name, gpu.KernelSpec{Bindings: 2, PushSize: 24})
	for _, r := range b.planeRuns(p.N*p.C, 0, ops...) {
		w := []uint32{uint32(p.H), uint32(p.W), uint32(p.Scale), uint32(r.count), r.offs[0], r.offs[1]}
		b.dispatchN(k, r.count*perPlane, w, r.binds...)
	}
}

// UpsampleNearestForward sets y to x repeated p.Scale times in both
// directions (shaders/upsample_fwd.comp).
func (b *Backend) UpsampleNearestForward(x, y graph.Buffer, p graph.UpsampleParams) {
	p.Check()
	graph.CheckLen("UpsampleNearestForward", "x", x, p.InShape().Len())
	graph.CheckLen("UpsampleNearestForward", "y", y, p.OutShape().Len())
	out := p.OutShape()
	b.upsample(kUpsampleFwd, p, out.H*out.W,
		operand{x: unwrap(x), plane: p.H * p.W}, operand{x: unwrap(y), plane: out.H * out.W})
}

// UpsampleNearestBackward accumulates into dx the sum of each Scale×Scale
// block of dy (shaders/upsample_bwd.comp).
func (b *Backend) UpsampleNearestBackward(dy, dx graph.Buffer, p graph.UpsampleParams) {
	p.Check()
	graph.CheckLen("UpsampleNearestBackward", "dy", dy, p.OutShape().Len())
	graph.CheckLen("UpsampleNearestBackward", "dx", dx, p.InShape().Len())
	out := p.OutShape()
	b.upsample(kUpsampleBwd, p, p.H*p.W,
		operand{x: unwrap(dy), plane: out.H * out.W}, operand{x: unwrap(dx), plane: p.H * p.W})
}
