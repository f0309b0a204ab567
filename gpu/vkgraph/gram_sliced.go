package vkgraph

import (
	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// A Gram matrix of few channels over a large image is a small output from
// a long sum: 64 channels at 512² are one 64×64 tile summing 262144 terms,
// one work group for the whole GPU. The shared-memory family cuts such
// sums into slices, one work group row each (FLAG_PARTIAL in
// shaders/gram_shared.glsl), and adds the partial matrices in a fixed
// order (gram_reduce), so the result is still the same bits every run.
const (
	gramTargetGroups = 128  // work groups worth filling a large GPU
	gramMinSlice     = 1024 // shortest slice of HW worth a work group
)

// gramSlices returns how many slices to cut the sum over hw into for a
// c-channel Gram matrix: 1 where its tiles alone are work enough.
func gramSlices(c, hw int) int {
	nb := (c + sharedTile - 1) / sharedTile
	tiles := nb * (nb + 1) / 2
	if tiles >= gramTargetGroups {
		return 1
	}
	return max(1, min((gramTargetGroups+tiles-1)/tiles, hw/gramMinSlice))
}

// gramForwardSliced computes every g[n] = F·Fᵀ/(C·HW) as slices partial
// sums of the Gram matrix, each over a slice of HW, then adds them. The
// features of an image (xo) and its Gram matrix (gop) each fit one
// binding.
func (b *Backend) gramForwardSliced(xo, gop operand, s graph.Shape, slices int) {
	hw, cc := s.H*s.W, s.C*s.C
	// The partial matrices are bound at once (a few MiB at most: gramSlices
	// gives many slices only to small matrices).
	slices = max(1, min(slices, int(b.dev.BindingLimit()/uint64(4*cc))))
	kLen := (hw + slices - 1) / slices
	kLen = (kLen + 15) / 16 * 16 // whole BK steps
	slices = (hw + kLen - 1) / kLen
	part, err := b.s.Batch().Temp("Gram partial sums", uint64(slices*cc)*4)
	if err != nil {
		b.s.Fail(err)
		return
	}
	pb := &Buffer{buf: part, n: slices * cc}
	st := xo.storage || !b.texelFits(pb) // read through storage buffers
	xo.storage = st
	fwd := b.readKernel(kGramFwdShared, gpu.KernelSpec{Texel: []int{1, 1, 0}, PushSize: 52, LocalSize: sharedLocal}, st)
	red := b.readKernel(kGramReduce, gpu.KernelSpec{Texel: []int{1, 0}, PushSize: 16, LocalSize: sharedLocal}, st)
	const flagTri, flagMirror, flagPartial = 1, 2, 4
	nb := (s.C + sharedTile - 1) / sharedTile
	norm := f32(float32(s.C * hw))
	for n := 0; n < s.N; n++ {
		a, aoff := b.bindPlanes(xo, n*s.C, s.C)
		grid := b.foldGroups(uint32(nb*(nb+1)/2), uint32(slices))
		b.dispatch(fwd, grid, []uint32{uint32(s.C), uint32(hw), 0, uint32(s.C), 0, uint32(s.C), aoff, aoff, 0, 0,
			flagTri | flagMirror | flagPartial, norm, uint32(kLen)}, a, a, part.All())
		out, goff := b.bindPlanes(gop, n*s.C, s.C)
		b.dispatchN(red, cc, []uint32{uint32(cc), uint32(slices), goff, norm}, b.input(pb, st), out)
	}
}
