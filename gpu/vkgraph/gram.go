package vkgraph

import (
	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// The Gram kernels (shaders/gram.glsl) are GEMMs over the features
// F = x[n], a C×HW matrix per image, read through texel buffers: vec4
// texels when HW is a multiple of 4. Each invocation computes a 4×4 block.
// Where F[n] does not fit one binding, the work is cut along channels:
// the forward into pairs of channel runs, the backward into runs of output
// rows and, within each, runs of the summed-over channels.

// gramLocal is the work-group size of the Gram kernels.
const gramLocal = 64

// gramSpan is the most elements of HW one gram_fwd dispatch sums
// (GRAM_SPAN in shaders/gram_push.glsl): llvmpipe stops every shader
// invocation after 65535 loop iterations in all, so a longer sum is cut
// into spans, each dispatch adding its span into g.
const gramSpan = 1 << 16

// gramVec returns the texel components the Gram kernels read F with.
func gramVec(hw int) int {
	if hw%4 == 0 {
		return 4
	}
	return 1
}

// GramForward sets g[n] = F·Fᵀ/(C·H·W) (shaders/gram_fwd.comp). Where all
// of g[n] fits one binding (every real case) each product is computed once
// and written to both halves: runs of rows j ≥ i only, and blocks on and
// above the diagonal within a run.
func (b *Backend) GramForward(x, g graph.Buffer, s graph.Shape) {
	defer b.s.Batch().WithLabel("gram")()
	b.s.Batch().Work(gramFLOPs(s))
	graph.CheckLen("GramForward", "x", x, s.Len())
	graph.CheckLen("GramForward", "g", g, s.N*s.C*s.C)
	hw, vec := s.H*s.W, gramVec(s.H*s.W)
	shared := b.kernels == FamilyShared
	if shared {
		vec = 1 // the shared-memory kernel reads scalar texels
	}
	st := !b.texelFits(unwrap(x)) // read F through storage buffers
	xo, gop := operand{x: unwrap(x), plane: hw, comps: vec, storage: st}, operand{x: unwrap(g), plane: s.C}
	mirror := b.fits(operand{x: gop.x, plane: s.C * s.C})
	per := b.runLen(0, xo) // rows of F per binding
	if !mirror {
		per = min(per, b.runLen(0, gop))
	}
	if per == 0 {
		return
	}
	var k *gpu.Kernel
	block := 4 // channels per side of the work of one invocation, or of a work group when shared
	if shared {
		if mirror && per >= s.C {
			if slices := gramSlices(s.C, hw); slices > 1 {
				b.gramForwardSliced(xo, gop, s, slices)
				return
			}
		}
		k = b.readKernel(kGramFwdShared, gpu.KernelSpec{Texel: []int{1, 1, 0}, PushSize: 52, LocalSize: sharedLocal}, st)
		block = sharedTile
	} else {
		k = b.readKernel(kGramFwd, gpu.KernelSpec{Texel: []int{vec, vec, 0}, PushSize: 52, LocalSize: gramLocal, Spec: []uint32{uint32(vec)}}, st)
	}
	const flagTri, flagMirror, flagSpan = 1, 2, 8
	norm := f32(float32(s.C * hw))
	for n := 0; n < s.N; n++ {
		var out gpu.Binding
		var goff uint32
		if mirror {
			out, goff = b.bindPlanes(gop, n*s.C, s.C)
		}
		for i0 := 0; i0 < s.C; i0 += per {
			ci := min(per, s.C-i0)
			a, aoff := b.bindPlanes(xo, n*s.C+i0, ci)
			grow, flags := uint32(0), uint32(flagMirror)
			if !mirror {
				out, goff = b.bindPlanes(gop, n*s.C+i0, ci)
				grow, flags = uint32(i0), 0
			}
			nbi := (i0+ci+block-1)/block - i0/block
			for j0 := 0; j0 < s.C; j0 += per {
				if mirror && j0 < i0 {
					continue // written transposed by run j0
				}
				cj := min(per, s.C-j0)
				bb, boff := b.bindPlanes(xo, n*s.C+j0, cj)
				nbj := (j0+cj+block-1)/block - j0/block
				f, blocks := flags, nbi*nbj
				if mirror && j0 == i0 {
					f, blocks = flags|flagTri, nbi*(nbi+1)/2
				}
				push := []uint32{uint32(s.C), uint32(hw), uint32(i0), uint32(ci), uint32(j0), uint32(cj), aoff, boff, goff, grow, f, norm, 0}
				if shared {
					b.dispatch(k, b.foldGroups(uint32(blocks), 1), push, a, bb, out) // one work group per tile
					continue
				}
				// Spans of HW one after another, each adding into g
				// (FLAG_SPAN in shaders/gram_fwd.comp), where HW is longer
				// than one dispatch may sum.
				for k0 := 0; k0 < hw; k0 += gramSpan {
					if hw > gramSpan {
						push[10], push[12] = f|flagSpan, uint32(k0)
					}
					b.dispatchN(k, blocks, push, a, bb, out)
				}
			}
		}
	}
}

// GramBackward accumulates dx[n] += (dg[n] + dg[n]ᵀ)·F/(C·H·W): the sum
// s = dg + dgᵀ goes to a scratch buffer, its rows padded to a multiple of 4
// (shaders/gram_sym.comp), then s·F is added into dx
// (shaders/gram_bwd.comp).
func (b *Backend) GramBackward(x, dg, dx graph.Buffer, s graph.Shape) {
	defer b.s.Batch().WithLabel("gram")()
	b.s.Batch().Work(gramFLOPs(s))
	graph.CheckLen("GramBackward", "x", x, s.Len())
	graph.CheckLen("GramBackward", "dg", dg, s.N*s.C*s.C)
	graph.CheckLen("GramBackward", "dx", dx, s.Len())
	hw, vec, cp := s.H*s.W, gramVec(s.H*s.W), (s.C+3)/4*4
	tmp, err := b.s.Batch().Temp("dg+dgᵀ", uint64(s.N*s.C*cp)*4)
	if err != nil {
		b.s.Fail(err)
		return
	}
	sym := &Buffer{buf: tmp, n: s.N * s.C * cp}
	st := !b.texelFits(unwrap(x), unwrap(dg), sym) // read through storage buffers

	// s = dg + dgᵀ, by pairs of runs of rows of dg (one pair per image
	// unless dg[n] does not fit one binding).
	k := b.readKernel(kGramSym, gpu.KernelSpec{Texel: []int{1, 1, 0}, PushSize: 36, LocalSize: gramLocal}, st)
	dgo, symo := operand{x: unwrap(dg), plane: s.C, comps: 1, storage: st}, operand{x: sym, plane: cp}
	per := b.runLen(0, dgo, symo)
	if k == nil || per == 0 {
		return
	}
	rows := gramLocal / 8 // a work group is a tile of 8 columns by rows rows
	for n := 0; n < s.N; n++ {
		for j0 := 0; j0 < s.C; j0 += per {
			cj := min(per, s.C-j0)
			da, aoff := b.bindPlanes(dgo, n*s.C+j0, cj)
			out, soff := b.bindPlanes(symo, n*s.C+j0, cj)
			for i0 := 0; i0 < s.C; i0 += per {
				ci := min(per, s.C-i0)
				db, boff := b.bindPlanes(dgo, n*s.C+i0, ci)
				iend := i0 + ci
				if iend == s.C {
					iend = cp // the last run writes the padding
				}
				groups := [3]uint32{uint32((iend - i0 + 7) / 8), uint32((cj + rows - 1) / rows), 1}
				b.dispatch(k, groups, []uint32{uint32(s.C), uint32(cp), uint32(j0), uint32(cj), uint32(i0), uint32(iend), aoff, boff, soff}, da, db, out)
			}
		}
	}

	// dx[n][rows i] += Σ over runs of rows j of s[j][i]·F[j] / (C·HW).
	shared := b.kernels == FamilyShared
	scomps := 4
	if shared {
		scomps, vec = 1, 1 // the shared-memory kernel reads scalar texels
	}
	so, fo, dxo := operand{x: sym, plane: cp, comps: scomps, storage: st}, operand{x: unwrap(x), plane: hw, comps: vec, storage: st}, operand{x: unwrap(dx), plane: hw}
	perJ, perI := b.runLen(0, so, fo), b.runLen(0, dxo)
	if perJ == 0 || perI == 0 {
		return
	}
	if shared {
		k = b.readKernel(kGramBwdShared, gpu.KernelSpec{Texel: []int{1, 1, 0}, PushSize: 44, LocalSize: sharedLocal}, st)
	} else {
		k = b.readKernel(kGramBwd, gpu.KernelSpec{Texel: []int{4, vec, 0}, PushSize: 44, LocalSize: gramLocal, Spec: []uint32{uint32(vec)}}, st)
	}
	norm := f32(float32(s.C * hw))
	nbk := (hw + 3) / 4
	for n := 0; n < s.N; n++ {
		for i0 := 0; i0 < s.C; i0 += perI {
			ci := min(perI, s.C-i0)
			out, dxoff := b.bindPlanes(dxo, n*s.C+i0, ci)
			nbi := (i0+ci+3)/4 - i0/4
			for j0 := 0; j0 < s.C; j0 += perJ {
				cj := min(perJ, s.C-j0)
				sb, soff := b.bindPlanes(so, n*s.C+j0, cj)
				fb, foff := b.bindPlanes(fo, n*s.C+j0, cj)
				push := []uint32{uint32(s.C), uint32(cp), uint32(hw), uint32(i0), uint32(ci), uint32(j0), uint32(cj), soff, foff, dxoff, norm}
				if shared {
					b.dispatch(k, b.foldGroups(ceilDiv(hw, sharedTile), ceilDiv(ci, sharedTile)), push, sb, fb, out)
				} else {
					b.dispatchN(k, nbi*nbk, push, sb, fb, out)
				}
			}
		}
	}
}
