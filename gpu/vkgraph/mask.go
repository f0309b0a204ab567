package vkgraph

import (
	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// mask records a masking kernel (shaders/mask.glsl) over runs of the
// planes of in and out, the mask bound whole.
func (b *Backend) mask(name kernelName, kernel string, in, m, out graph.Buffer, s graph.Shape) {
	plane := s.H * s.W
	graph.CheckLen(kernel, "in", in, s.Len())
	graph.CheckLen(kernel, "m", m, plane)
	graph.CheckLen(kernel, "out", out, s.Len())
	k := b.kernel(name, gpu.KernelSpec{Bindings: 3, PushSize: 16})
	mb := b.input(unwrap(m), true)
	for _, r := range b.planeRuns(s.N*s.C, 0, operand{x: unwrap(in), plane: plane}, operand{x: unwrap(out), plane: plane}) {
		b.dispatchN(k, r.count*plane, []uint32{uint32(plane), uint32(r.count), r.offs[0], r.offs[1]},
			r.binds[0], mb, r.binds[1])
	}
}

// MaskForward sets y = x·m per plane (shaders/mask_fwd.comp).
func (b *Backend) MaskForward(x, m, y graph.Buffer, s graph.Shape) {
	b.mask(kMaskFwd, "MaskForward", x, m, y, s)
}

// MaskBackward accumulates dx += dy·m per plane (shaders/mask_bwd.comp).
func (b *Backend) MaskBackward(dy, m, dx graph.Buffer, s graph.Shape) {
	b.mask(kMaskBwd, "MaskBackward", dy, m, dx, s)
}
