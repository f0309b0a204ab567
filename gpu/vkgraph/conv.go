package vkgraph

import (
	"fmt"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// Register tiles of the gather convolution shaders
// (shaders/conv2d_bwd_*.comp): output channels per invocation and pixels
// per invocation. Keep in step with the #defines there. conv2d_fwd takes
// its tile as specialisation constants (texelTile).
const (
	convDataCI, convDataPX = 16, 4
	convWeightCO           = 8
	convLocal              = 64
)

// Flags of the convolution shaders (shaders/conv.glsl).
const (
	flagReflect    = 1
	flagBias       = 2
	flagTransposed = 4
	flagAccumulate = 8
)

func convPush(p graph.Conv2DParams, n, cBase, cCount int, off uint32, bias bool) []uint32 {
	flags := uint32(0)
	if p.Reflect {
		flags |= flagReflect
	}
	if bias {
		flags |= flagBias
	}
	return []uint32{uint32(p.N), uint32(p.CIn), uint32(p.H), uint32(p.W),
		uint32(p.COut), uint32(p.OutH()), uint32(p.OutW()), uint32(p.KH), uint32(p.KW),
		uint32(p.Stride), uint32(p.Pad), flags, uint32(n), uint32(cBase), uint32(cCount), off}
}

func ceilDiv(a, b int) uint32 { return uint32((a + b - 1) / b) }

func convCheck(kernel string, p graph.Conv2DParams, x, w, y graph.Buffer, xs, ys string) {
	p.Check()
	graph.CheckLen(kernel, xs, x, p.XShape().Len())
	graph.CheckLen(kernel, "w", w, p.WShape().Len())
	graph.CheckLen(kernel, ys, y, p.YShape().Len())
}

// Conv2DForward sets y = conv(x, w) + bias (graph.Conv2DParams).
func (b *Backend) Conv2DForward(x, w, bias, y graph.Buffer, p graph.Conv2DParams) {
	defer b.labelled("conv forward")()
	b.s.Batch().Work(convFLOPs(p))
	convCheck("Conv2DForward", p, x, w, y, "x", "y")
	if bias != nil {
		graph.CheckLen("Conv2DForward", "bias", bias, p.COut)
	}
	x0, w0, y0 := unwrap(x), unwrap(w), unwrap(y)
	if pl, ok := b.useWinograd(p); ok {
		b.winoRun(x0, w0, unwrap(bias), y0, p, pl, false)
		return
	}
	bb := w0 // bound but unread when there is no bias
	if bias != nil {
		bb = unwrap(bias)
	}
	P := p.OutH() * p.OutW()
	st := !b.texelFits(x0, w0, bb)
	f := b.convFwd(p, st)
	for n := 0; n < p.N; n++ {
		for _, r := range b.planeRunsFrom(n*p.COut, p.COut, 0, operand{x: y0, plane: P}) {
			b.dispatch(f.k, f.groups(b, P, r.count), convPush(p, n, r.first, r.count, r.offs[0], bias != nil),
				b.input(x0, st), b.input(w0, st), b.input(bb, st), r.binds[0])
		}
	}
}

// convFwdKernel is a forward convolution kernel of the backend's family
// with its work per invocation (texel) or per work group (shared).
type convFwdKernel struct {
	k      *gpu.Kernel
	co, px int // output channels × output pixels
	shared bool
}

// convFwd returns the forward convolution kernel of the backend's family
// for p, reading through storage buffers when storage is set.
func (b *Backend) convFwd(p graph.Conv2DParams, storage bool) convFwdKernel {
	if b.kernels == FamilyShared {
		return convFwdKernel{b.convSharedKernel(kConv2DFwdShared, []int{1, 1, 1, 0}, p, storage), sharedTile, sharedTile, true}
	}
	co, px := b.texelTile(p)
	name := kConv2DFwd
	if b.subgroupW && co%8 == 0 && !storage {
		name = kConv2DFwdSG
	}
	k := b.readKernel(name, gpu.KernelSpec{Texel: []int{1, 1, 1, 0}, PushSize: 64, LocalSize: convLocal,
		Spec: []uint32{uint32(co), uint32(px)}}, storage)
	return convFwdKernel{k, co, px, false}
}

// groups is the grid of f over P output pixels of one image and count
// output channels.
func (f convFwdKernel) groups(b *Backend, P, count int) [3]uint32 {
	if f.shared {
		return b.foldGroups(ceilDiv(P, f.px), ceilDiv(count, f.co))
	}
	return [3]uint32{ceilDiv(int(ceilDiv(P, f.px)), convLocal), ceilDiv(count, f.co), 1}
}

// convSharedKernel builds a shared-memory convolution kernel specialised
// to p's kernel size, reading through storage buffers when storage is set.
func (b *Backend) convSharedKernel(name kernelName, texel []int, p graph.Conv2DParams, storage bool) *gpu.Kernel {
	return b.readKernel(name, gpu.KernelSpec{Texel: texel, PushSize: 64, LocalSize: sharedLocal,
		Spec: []uint32{uint32(p.KH), uint32(p.KW)}}, storage)
}

// Conv2DBackwardData accumulates dx += ∂L/∂x given dy. A stride-1,
// zero-padded square convolution (every VGG layer) runs as a forward
// convolution of dy with the flipped transpose of w, padded K−1−P, through
// the register-tiled forward kernel, or as Winograd (useWinograd); other
// convolutions gather through conv2d_bwd_data.
func (b *Backend) Conv2DBackwardData(dy, w, dx graph.Buffer, p graph.Conv2DParams) {
	defer b.labelled("conv backward-data")()
	b.s.Batch().Work(convFLOPs(p))
	convCheck("Conv2DBackwardData", p, dx, w, dy, "dx", "dy")
	dy0, w0, dx0 := unwrap(dy), unwrap(w), unwrap(dx)
	st := !b.texelFits(dy0, w0)
	if p.Stride == 1 && !p.Reflect && p.KH == p.KW && p.Pad <= p.KH-1 {
		t := graph.Conv2DParams{N: p.N, CIn: p.COut, H: p.OutH(), W: p.OutW(), COut: p.CIn,
			KH: p.KH, KW: p.KW, Stride: 1, Pad: p.KH - 1 - p.Pad}
		if pl, ok := b.useWinograd(t); ok {
			b.winoRun(dy0, w0, nil, dx0, t, pl, true)
			return
		}
		P := p.H * p.W
		f := b.convFwd(t, st)
		for n := 0; n < p.N; n++ {
			for _, r := range b.planeRunsFrom(n*p.CIn, p.CIn, 0, operand{x: dx0, plane: P}) {
				push := convPush(t, n, r.first, r.count, r.offs[0], false)
				push[11] |= flagTransposed | flagAccumulate
				b.dispatch(f.k, f.groups(b, P, r.count), push, b.input(dy0, st), b.input(w0, st), b.input(w0, st), r.binds[0])
			}
		}
		return
	}
	k := b.readKernel(kConv2DBwdData, gpu.KernelSpec{Texel: []int{1, 1, 0}, PushSize: 64, LocalSize: convLocal}, st)
	P := p.H * p.W
	for n := 0; n < p.N; n++ {
		for _, r := range b.planeRunsFrom(n*p.CIn, p.CIn, 0, operand{x: dx0, plane: P}) {
			groups := [3]uint32{ceilDiv(int(ceilDiv(P, convDataPX)), convLocal), ceilDiv(r.count, convDataCI), 1}
			b.dispatch(k, groups, convPush(p, n, r.first, r.count, r.offs[0], false),
				b.input(dy0, st), b.input(w0, st), r.binds[0])
		}
	}
}

// Conv2DBackwardWeight accumulates dw += ∂L/∂w, summed over the batch.
func (b *Backend) Conv2DBackwardWeight(x, dy, dw graph.Buffer, p graph.Conv2DParams) {
	defer b.labelled("conv backward-weight")()
	b.s.Batch().Work(convFLOPs(p))
	convCheck("Conv2DBackwardWeight", p, x, dw, dy, "x", "dy")
	x0, dy0, dw0 := unwrap(x), unwrap(dy), unwrap(dw)
	R := p.CIn * p.KH * p.KW
	st := !b.texelFits(x0, dy0)
	var k *gpu.Kernel
	rBlock, cBlock := convLocal, convWeightCO
	if b.kernels == FamilyShared {
		k = b.convSharedKernel(kConv2DBwdWeightShared, []int{1, 1, 0}, p, st)
		rBlock, cBlock = sharedTile, sharedTile
	} else {
		k = b.readKernel(kConv2DBwdWeight, gpu.KernelSpec{Texel: []int{1, 1, 0}, PushSize: 64, LocalSize: convLocal}, st)
	}
	if b.kernels != FamilyShared {
		// Per image, a loop over output rows and one over each row's
		// columns, unroll at a time (shaders/conv2d_bwd_weight.comp).
		iters := p.N * p.OutH() * (1 + int(ceilDiv(p.OutW(), unroll)))
		if !b.checkLoops("Conv2DBackwardWeight", iters, fmt.Sprintf("%d output pixels", p.N*p.OutH()*p.OutW())) {
			return
		}
	}
	for _, r := range b.planeRuns(p.COut, 0, operand{x: dw0, plane: R}) {
		groups := [3]uint32{ceilDiv(R, rBlock), ceilDiv(r.count, cBlock), 1}
		b.dispatch(k, groups, convPush(p, 0, r.first, r.count, r.offs[0], false),
			b.input(x0, st), b.input(dy0, st), r.binds[0])
	}
}

// Conv2DBackwardBias accumulates db[co] += Σ dy[n,co,·,·].
func (b *Backend) Conv2DBackwardBias(dy, db graph.Buffer, p graph.Conv2DParams) {
	defer b.labelled("conv backward-bias")()
	p.Check()
	graph.CheckLen("Conv2DBackwardBias", "dy", dy, p.YShape().Len())
	graph.CheckLen("Conv2DBackwardBias", "db", db, p.COut)
	dy0, db0 := unwrap(dy), unwrap(db)
	st := !b.texelFits(dy0)
	if !b.checkLoops("Conv2DBackwardBias", p.N*(1+int(ceilDiv(p.OutH()*p.OutW(), unroll))), fmt.Sprintf("%d output pixels", p.N*p.OutH()*p.OutW())) {
		return
	}
	k := b.readKernel(kConv2DBwdBias, gpu.KernelSpec{Texel: []int{1, 0}, PushSize: 64, LocalSize: convLocal}, st)
	// One invocation per channel, over a grid that folds into y past
	// maxComputeWorkGroupCount[0] (the shader reads flat_index).
	b.dispatchN(k, p.COut, convPush(p, 0, 0, p.COut, 0, false), b.input(dy0, st), db0.buf.All())
}
