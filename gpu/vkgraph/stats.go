package vkgraph

import (
	"fmt"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// ChannelMeanStdForward sets mean and the std (divisor p.Divisor(), Eps
// under the root) of every (n, c) plane of x: one work group per plane adds it in a
// fixed order, twice (shaders/stats_fwd.comp).
func (b *Backend) ChannelMeanStdForward(x, mean, std graph.Buffer, p graph.StatsParams) {
	xo, mo, so := statsArgs("ChannelMeanStdForward", p, x, mean, std)
	local, _ := b.reduceShape()
	// Two loops over the plane, each of hw/(unroll·local) steps.
	if !b.checkLoops("ChannelMeanStdForward", 2*int(ceilDiv(xo.plane, unroll*int(local))), fmt.Sprintf("a plane of %d elements", xo.plane)) {
		return
	}
	k := b.kernel(kStatsFwd, gpu.KernelSpec{Bindings: 3, Outputs: 2, PushSize: 28, LocalSize: local})
	// One group per plane: a run may not pass the grid's x dimension.
	for _, r := range b.planeRuns(p.N*p.C, int(b.dev.Info.MaxWorkGroupCount[0]), xo, mo, so) {
		b.dispatch(k, [3]uint32{uint32(r.count), 1, 1},
			[]uint32{uint32(xo.plane), uint32(r.count), r.offs[0], r.offs[1], r.offs[2], f32(p.Eps), f32(float32(p.Divisor()))}, r.binds...)
	}
}

// ChannelMeanStdBackward accumulates dx += dmean/(H·W) +
// dstd·(x−mean)/(D·std), D = p.Divisor(), the std term 0 where std is 0
// (shaders/stats_bwd.comp).
func (b *Backend) ChannelMeanStdBackward(x, mean, std, dmean, dstd, dx graph.Buffer, p graph.StatsParams) {
	const name = "ChannelMeanStdBackward"
	xo, mo, so := statsArgs(name, p, x, mean, std)
	graph.CheckLen(name, "dmean", dmean, p.N*p.C)
	graph.CheckLen(name, "dstd", dstd, p.N*p.C)
	graph.CheckLen(name, "dx", dx, p.Shape().Len())
	// The four per-plane vectors are read through texel buffers: two
	// storage buffers, within the Vulkan minimum of four.
	mo.comps, so.comps = 1, 1
	ops := []operand{xo, mo, so, {x: unwrap(dmean), plane: 1, comps: 1}, {x: unwrap(dstd), plane: 1, comps: 1}, {x: unwrap(dx), plane: xo.plane}}
	k := b.kernel(kStatsBwd, gpu.KernelSpec{Texel: []int{0, 1, 1, 1, 1, 0}, PushSize: 36})
	for _, r := range b.planeRuns(p.N*p.C, 0, ops...) {
		w := append([]uint32{uint32(xo.plane), uint32(r.count)}, r.offs...)
		b.dispatchN(k, r.count*xo.plane, append(w, f32(float32(p.Divisor()))), r.binds...)
	}
}

// statsArgs checks the parameters and the lengths of x, mean and std and
// returns them as operands.
func statsArgs(kernel string, p graph.StatsParams, x, mean, std graph.Buffer) (xo, mo, so operand) {
	p.Check()
	graph.CheckLen(kernel, "x", x, p.Shape().Len())
	graph.CheckLen(kernel, "mean", mean, p.N*p.C)
	graph.CheckLen(kernel, "std", std, p.N*p.C)
	return operand{x: unwrap(x), plane: p.H * p.W}, operand{x: unwrap(mean), plane: 1}, operand{x: unwrap(std), plane: 1}
}
