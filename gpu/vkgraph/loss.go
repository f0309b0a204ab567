package vkgraph

import (
	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// The loss kernels (shaders/loss.glsl). A forward pass writes one partial
// sum per work group of items·L elements (see reduceShape), at an index
// fixed by the element range, not by how the bindings are split; the gpu
// package's deterministic Sum adds the partials into the loss. A single
// group writes the loss directly.

// reduceShape returns the work-group size L of the loss reductions, the
// largest power of two up to 256 the device allows (groupsum.glsl needs a
// power of two), and how many elements each invocation adds before the
// group's tree: 16, fewer only where one binding cannot hold a group's
// 16·L elements (a test's Options.MaxBindingRange; every device allows
// far more).
func (b *Backend) reduceShape() (local uint32, items int) {
	local = 256
	for local > b.dev.Info.MaxWorkGroupInvocations || local > b.dev.Info.MaxWorkGroupSize[0] {
		local /= 2
	}
	items = 16
	for items > 1 && uint64(items)*uint64(local)*4 > b.dev.BindingLimit() {
		items /= 2
	}
	return local, items
}

// partials returns where a forward loss kernel writes its n partial sums:
// the 1-element loss itself when n is 1, else a scratch buffer that finish
// adds into the loss.
func (b *Backend) partials(loss *Buffer, n int) *Buffer {
	if n == 1 {
		return loss
	}
	tmp, err := b.s.Batch().Temp("partials of "+loss.buf.Name(), uint64(n)*4)
	if err != nil {
		b.s.Fail(err)
		return nil
	}
	return &Buffer{buf: tmp, n: n}
}

// finish adds the partial sums part into loss (unless they are the loss).
func (b *Backend) finish(loss, part *Buffer) {
	if part != loss {
		b.s.Fail(b.s.Batch().Sum(loss.buf, 0, part.buf, part.n))
	}
}

// MSEForward sets loss[0] = Σ (x−t)²/n (shaders/mse_fwd.comp, then the
// gpu sum of the partials and a scale by 1/n).
func (b *Backend) MSEForward(x, t, loss graph.Buffer) {
	x0 := unwrap(x)
	graph.CheckLen("MSEForward", "t", t, x0.n)
	graph.CheckLen("MSEForward", "loss", loss, 1)
	t0, l0 := unwrap(t), unwrap(loss)
	local, items := b.reduceShape()
	group := int(local) * items
	part := b.partials(l0, (x0.n+group-1)/group)
	if part == nil {
		return
	}
	k := b.kernel(kMSEFwd, gpu.KernelSpec{Bindings: 3, PushSize: 8, LocalSize: local, Spec: []uint32{uint32(items)}})
	for _, c := range b.flatChunks(x0.n, group) {
		// The chunk's partials are [first, first+groups); bind them from
		// an aligned index and pass the rest as out_off.
		first, groups := c[0]/group, (c[1]+group-1)/group
		out, off := b.bindPlanes(operand{x: part, plane: 1}, first, groups)
		b.dispatchN(k, groups*int(local), []uint32{uint32(c[1]), off},
			elems(x0, c[0], c[1]), elems(t0, c[0], c[1]), out)
	}
	b.finish(l0, part)
	b.s.Fail(b.s.Batch().Scale(l0.buf, float32(1/float64(x0.n)), l0.buf, 1))
}

// MSEBackward accumulates dx += dloss·2(x−t)/n (shaders/mse_bwd.comp).
func (b *Backend) MSEBackward(x, t, dloss, dx graph.Buffer) {
	x0 := unwrap(x)
	graph.CheckLen("MSEBackward", "t", t, x0.n)
	graph.CheckLen("MSEBackward", "dloss", dloss, 1)
	graph.CheckLen("MSEBackward", "dx", dx, x0.n)
	t0, dl, dx0 := unwrap(t), unwrap(dloss), unwrap(dx)
	k := b.kernel(kMSEBwd, gpu.KernelSpec{Bindings: 4, PushSize: 8})
	scale := f32(float32(2 / float64(x0.n)))
	for _, c := range b.flatChunks(x0.n, 1) {
		b.dispatchN(k, c[1], []uint32{uint32(c[1]), scale},
			elems(x0, c[0], c[1]), elems(t0, c[0], c[1]), scalar(dl), elems(dx0, c[0], c[1]))
	}
}

// TVForward sets loss[0] to the total variation of x (shaders/tv_fwd.comp,
// then the gpu sum of the partials).
func (b *Backend) TVForward(x, loss graph.Buffer, s graph.Shape) {
	graph.CheckLen("TVForward", "x", x, s.Len())
	graph.CheckLen("TVForward", "loss", loss, 1)
	x0, l0 := unwrap(x), unwrap(loss)
	local, items := b.reduceShape()
	group, plane := int(local)*items, s.H*s.W
	gpp := (plane + group - 1) / group // groups per plane
	part := b.partials(l0, s.N*s.C*gpp)
	if part == nil {
		return
	}
	k := b.kernel(kTVFwd, gpu.KernelSpec{Bindings: 2, PushSize: 24, LocalSize: local, Spec: []uint32{uint32(items)}})
	runs := b.planeRuns(s.N*s.C, int(b.dev.Info.MaxWorkGroupCount[1]),
		operand{x: x0, plane: plane}, operand{x: part, plane: gpp})
	for _, r := range runs {
		b.dispatch(k, [3]uint32{uint32(gpp), uint32(r.count), 1},
			[]uint32{uint32(s.H), uint32(s.W), uint32(r.count), r.offs[0], uint32(gpp), r.offs[1]}, r.binds...)
	}
	b.finish(l0, part)
}

// TVBackward accumulates dx += dloss·∂TV/∂x, gathered per element from its
// neighbours (shaders/tv_bwd.comp).
func (b *Backend) TVBackward(x, dloss, dx graph.Buffer, s graph.Shape) {
	graph.CheckLen("TVBackward", "x", x, s.Len())
	graph.CheckLen("TVBackward", "dloss", dloss, 1)
	graph.CheckLen("TVBackward", "dx", dx, s.Len())
	x0, dl, dx0 := unwrap(x), unwrap(dloss), unwrap(dx)
	k := b.kernel(kTVBwd, gpu.KernelSpec{Bindings: 3, PushSize: 20})
	plane := s.H * s.W
	for _, r := range b.planeRuns(s.N*s.C, 0, operand{x: x0, plane: plane}, operand{x: dx0, plane: plane}) {
		b.dispatchN(k, r.count*plane, []uint32{uint32(s.H), uint32(s.W), uint32(r.count), r.offs[0], r.offs[1]},
			r.binds[0], scalar(dl), r.binds[1])
	}
}
