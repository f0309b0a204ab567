package vkgraph

import (
	"fmt"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/shaders"
)

// How the non-convolution ops bind tensors larger than one binding may
// cover. An element-wise op over a flat range is cut into chunks of whole
// aligned elements (flatChunks); an op that works plane by plane (an N·C
// plane of H·W elements) is cut into runs of whole planes, every tensor it
// touches bound over the same run (planeRuns). Each binding starts at an
// aligned offset at or below the run's first plane; the shader gets the
// element index of that plane inside the binding through its push
// constants. Most tensors fit in one binding, and then there is one
// dispatch.

// opKernel builds the named shader's kernel from spec, filling in the code:
// kernel() with the options some ops need (several outputs, further
// specialisation constants).
func (b *Backend) opKernel(spec gpu.KernelSpec) *gpu.Kernel {
	code, err := shaders.Code(spec.Name)
	if err != nil {
		panic("vkgraph: " + err.Error()) // the embedded shaders are part of the program
	}
	spec.Code = code
	if spec.Bindings == 0 {
		spec.Bindings = len(spec.Texel)
	}
	k, err := b.dev.Kernel(spec)
	if err != nil {
		b.s.Fail(err)
		return nil
	}
	return k
}

// dispatchN records k over n invocations, a 1-D range (see gpu.Grid1D and
// flat_index in common.glsl).
func (b *Backend) dispatchN(k *gpu.Kernel, n int, words []uint32, binds ...gpu.Binding) {
	if k == nil || n == 0 {
		return
	}
	g, err := b.dev.Grid1D(uint64(n), k.LocalSize())
	if err != nil {
		b.s.Fail(fmt.Errorf("vkgraph: %s: %w", k.Name(), err))
		return
	}
	b.dispatch(k, g, words, binds...)
}

// flatChunks cuts n elements into chunks [start, start+count) that fit one
// storage binding, each start a multiple of the storage offset alignment
// and of multiple (in elements), so that binding x.Range(4·start, 4·count)
// needs no offset in the shader.
func (b *Backend) flatChunks(n, multiple int) [][2]int {
	chunk := int(b.dev.ChunkElems(uint64(max(multiple, 1))))
	var out [][2]int
	for start := 0; start < n; start += chunk {
		out = append(out, [2]int{start, min(chunk, n-start)})
	}
	return out
}

// elems binds elements [start, start+count) of x (from flatChunks).
func elems(x *Buffer, start, count int) gpu.Binding {
	return x.buf.Range(uint64(start)*4, uint64(count)*4)
}

// operand is a tensor as an op binds it: planes of plane elements each,
// read or written through a storage buffer (comps 0) or read through a
// uniform texel buffer of comps (1 or 4) float32 components. With 4
// components plane must be a multiple of 4.
type operand struct {
	x     *Buffer
	plane int
	comps int
}

// run is a run of planes [first, first+count) of every operand of an op:
// per operand its binding and off, the element index of plane first inside
// that binding.
type run struct {
	first, count int
	binds        []gpu.Binding
	offs         []uint32
}

// limits returns the largest binding in bytes and the offset alignment for
// an operand bound with comps components.
func (b *Backend) limits(comps int) (limit, align uint64) {
	info := &b.dev.Info
	limit = b.dev.BindingLimit()
	if comps == 0 {
		return limit, max(info.StorageOffsetAlignment, 4)
	}
	limit = min(limit, uint64(info.MaxTexelBufferElements)*4*uint64(comps))
	return limit, max(info.TexelOffsetAlignment, 4*uint64(comps), 4)
}

// runLen returns the most planes one run may hold so that every operand's
// binding fits, and at most maxRun (0: no limit; a bound on a grid
// dimension). A plane too large for one binding is recorded as an error
// and gives 0.
func (b *Backend) runLen(maxRun int, ops ...operand) int {
	per := int(^uint(0) >> 1)
	if maxRun > 0 {
		per = maxRun
	}
	for _, o := range ops {
		limit, align := b.limits(o.comps)
		n := int((limit - align) / (uint64(o.plane) * 4))
		if n < 1 {
			b.s.Fail(fmt.Errorf("vkgraph: one %d-element plane of tensor %q exceeds the device's binding range of %v: use a smaller image size",
				o.plane, o.x.buf.Name(), gpu.Bytes(limit)))
			return 0
		}
		per = min(per, n)
	}
	return per
}

// fits reports whether one plane of o fits one binding.
func (b *Backend) fits(o operand) bool {
	limit, align := b.limits(o.comps)
	return uint64(o.plane)*4 <= limit-align
}

// planeRuns cuts planes planes into runs of at most runLen(maxRun, ops...)
// planes and binds every operand over each run. A plane too large for one
// binding is recorded as an error and gives no runs.
func (b *Backend) planeRuns(planes, maxRun int, ops ...operand) []run {
	per := b.runLen(maxRun, ops...)
	if per == 0 {
		return nil
	}
	var out []run
	for first := 0; first < planes; first += per {
		r := run{first: first, count: min(per, planes-first)}
		for _, o := range ops {
			bind, off := b.bindPlanes(o, r.first, r.count)
			r.binds = append(r.binds, bind)
			r.offs = append(r.offs, off)
		}
		out = append(out, r)
	}
	return out
}

// bindPlanes binds planes [first, first+count) of operand o from an
// aligned offset and returns the element index of plane first inside the
// binding.
func (b *Backend) bindPlanes(o operand, first, count int) (gpu.Binding, uint32) {
	_, align := b.limits(o.comps)
	start := uint64(first) * uint64(o.plane) * 4
	base := start / align * align
	return o.x.buf.Range(base, start-base+uint64(count)*uint64(o.plane)*4), uint32((start - base) / 4)
}

// scalar binds a 1-element buffer (a loss or its gradient) whole.
func scalar(x *Buffer) gpu.Binding { return x.buf.Range(0, 4) }
