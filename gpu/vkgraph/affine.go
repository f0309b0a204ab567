package vkgraph

import (
	"fmt"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// The ChannelAffine kernels (shaders/affine.glsl) run over runs of the
// N·C planes like the statistics kernels: x, dy, y and dx as storage
// buffers, the per-plane vectors as texel buffers bound over the same
// run, and scale and shift (C or N·C elements) through texel buffers
// bound whole, indexed from the run's first plane.

// affineWords returns the push constants of a run: the shape words, then
// the run's offsets.
func affineWords(p graph.AffineParams, r run) []uint32 {
	w := make([]uint32, 11)
	perImage := uint32(0)
	if p.PerImage {
		perImage = 1
	}
	copy(w, []uint32{uint32(p.H * p.W), uint32(r.count), uint32(r.first), uint32(p.C), perImage})
	copy(w[5:], r.offs)
	return w
}

// affineOps checks the lengths of an affine kernel's big operand (x or
// dy) and per-plane vectors and returns them as operands: the big one a
// storage buffer, the vectors texel buffers of one component.
func affineOps(kernel string, p graph.AffineParams, big graph.Buffer, bigName string, vecs []graph.Buffer, vecNames []string) []operand {
	p.Check()
	graph.CheckLen(kernel, bigName, big, p.Shape().Len())
	ops := []operand{{x: unwrap(big), plane: p.H * p.W}}
	for i, v := range vecs {
		graph.CheckLen(kernel, vecNames[i], v, p.N*p.C)
		ops = append(ops, operand{x: unwrap(v), plane: 1, comps: 1})
	}
	return ops
}

// ChannelAffineForward sets y = (x − mean)/std·scale + shift
// (shaders/affine_fwd.comp).
func (b *Backend) ChannelAffineForward(x, mean, std, scale, shift, y graph.Buffer, p graph.AffineParams) {
	const name = "ChannelAffineForward"
	ops := affineOps(name, p, x, "x", []graph.Buffer{mean, std}, []string{"mean", "std"})
	graph.CheckLen(name, "scale", scale, p.ScaleLen())
	graph.CheckLen(name, "shift", shift, p.ScaleLen())
	graph.CheckLen(name, "y", y, p.Shape().Len())
	ops = append(ops, operand{x: unwrap(y), plane: p.H * p.W})
	k := b.kernel(kAffineFwd, gpu.KernelSpec{Texel: []int{0, 1, 1, 1, 1, 0}, PushSize: 44})
	sc, sh := b.input(unwrap(scale), false), b.input(unwrap(shift), false)
	for _, r := range b.planeRuns(p.N*p.C, 0, ops...) {
		binds := []gpu.Binding{r.binds[0], r.binds[1], r.binds[2], sc, sh, r.binds[3]}
		b.dispatchN(k, r.count*p.H*p.W, affineWords(p, r), binds...)
	}
}

// ChannelAffineBackwardData accumulates dx += dy·scale/std
// (shaders/affine_bwd_data.comp).
func (b *Backend) ChannelAffineBackwardData(dy, std, scale, dx graph.Buffer, p graph.AffineParams) {
	const name = "ChannelAffineBackwardData"
	ops := affineOps(name, p, dy, "dy", []graph.Buffer{std}, []string{"std"})
	graph.CheckLen(name, "scale", scale, p.ScaleLen())
	graph.CheckLen(name, "dx", dx, p.Shape().Len())
	ops = append(ops, operand{x: unwrap(dx), plane: p.H * p.W})
	k := b.kernel(kAffineBwdData, gpu.KernelSpec{Texel: []int{0, 1, 1, 0}, PushSize: 44})
	sc := b.input(unwrap(scale), false)
	for _, r := range b.planeRuns(p.N*p.C, 0, ops...) {
		binds := []gpu.Binding{r.binds[0], r.binds[1], sc, r.binds[2]}
		b.dispatchN(k, r.count*p.H*p.W, affineWords(p, r), binds...)
	}
}

// ChannelAffineBackwardStats accumulates dmean += −scale/std·Σ dy and
// dstd += −scale/std·Σ dy·x̂, one work group per plane
// (shaders/affine_bwd_stats.comp).
func (b *Backend) ChannelAffineBackwardStats(x, mean, std, scale, dy, dmean, dstd graph.Buffer, p graph.AffineParams) {
	const name = "ChannelAffineBackwardStats"
	ops := affineOps(name, p, x, "x", nil, nil)
	ops = append(ops, affineOps(name, p, dy, "dy", []graph.Buffer{mean, std}, []string{"mean", "std"})...)
	graph.CheckLen(name, "scale", scale, p.ScaleLen())
	graph.CheckLen(name, "dmean", dmean, p.N*p.C)
	graph.CheckLen(name, "dstd", dstd, p.N*p.C)
	ops = append(ops, operand{x: unwrap(dmean), plane: 1}, operand{x: unwrap(dstd), plane: 1})
	local, _ := b.reduceShape()
	if !b.checkLoops(name, int(ceilDiv(p.H*p.W, unroll*int(local))), fmt.Sprintf("a plane of %d elements", p.H*p.W)) {
		return
	}
	k := b.kernel(kAffineBwdStats, gpu.KernelSpec{Texel: []int{0, 0, 1, 1, 1, 0, 0}, Outputs: 2, PushSize: 44, LocalSize: local})
	sc := b.input(unwrap(scale), false)
	// One group per plane: a run may not pass the grid's x dimension.
	for _, r := range b.planeRuns(p.N*p.C, int(b.dev.Info.MaxWorkGroupCount[0]), ops...) {
		binds := []gpu.Binding{r.binds[0], r.binds[1], r.binds[2], r.binds[3], sc, r.binds[4], r.binds[5]}
		b.dispatch(k, [3]uint32{uint32(r.count), 1, 1}, affineWords(p, r), binds...)
	}
}

// ChannelAffineBackwardScale accumulates dscale += Σ dy·x̂ and
// dshift += Σ dy, one work group per plane and one dispatch per image,
// so that the batch is added in order (shaders/affine_bwd_scale.comp).
func (b *Backend) ChannelAffineBackwardScale(x, mean, std, dy, dscale, dshift graph.Buffer, p graph.AffineParams) {
	const name = "ChannelAffineBackwardScale"
	ops := affineOps(name, p, x, "x", nil, nil)
	ops = append(ops, affineOps(name, p, dy, "dy", []graph.Buffer{mean, std}, []string{"mean", "std"})...)
	graph.CheckLen(name, "dscale", dscale, p.ScaleLen())
	graph.CheckLen(name, "dshift", dshift, p.ScaleLen())
	local, _ := b.reduceShape()
	if !b.checkLoops(name, int(ceilDiv(p.H*p.W, unroll*int(local))), fmt.Sprintf("a plane of %d elements", p.H*p.W)) {
		return
	}
	k := b.kernel(kAffineBwdScale, gpu.KernelSpec{Bindings: 6, Texel: []int{0, 0, 1, 1, 0, 0}, Outputs: 2, PushSize: 44, LocalSize: local})
	dsc, dsh := unwrap(dscale).buf.All(), unwrap(dshift).buf.All()
	for n := 0; n < p.N; n++ {
		for _, r := range b.planeRunsFrom(n*p.C, p.C, int(b.dev.Info.MaxWorkGroupCount[0]), ops...) {
			r.first += n * p.C // the shader indexes scale from the plane's place in the tensor
			binds := append(r.binds[:4:4], dsc, dsh)
			b.dispatch(k, [3]uint32{uint32(r.count), 1, 1}, affineWords(p, r), binds...)
		}
	}
}
