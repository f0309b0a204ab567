package vkgraph

import (
	"fmt"
	"math"

	"github.com/vkstyle/vkstyle/gpu"
)

// How ops bind tensors larger than one binding may cover. An element-wise
// op over a flat range is cut into chunks of whole aligned elements
// (flatChunks); an op that works plane by plane (an N·C plane of H·W
// elements) is cut into runs of whole planes, every tensor it touches
// bound over the same run (planeRuns; the convolutions cut only their
// output, one image at a time, with planeRunsFrom, and the Gram kernels
// pair runs of rows with bindPlanes). Each binding starts at an
// aligned offset at or below the run's first plane; the shader gets the
// element index of that plane inside the binding through its push
// constants. Most tensors fit in one binding, and then there is one
// dispatch.
//
// How kernels read. The convolution and Gram kernels read their inputs
// through uniform texel buffers, which lavapipe reads fastest, unless an
// operand is longer than a texel buffer may be (maxTexelBufferElements:
// 65536 on the Vulkan minimum, less than one 256×256 plane). Then the op
// runs the kernel's "_storage" variant (shaders/variants.txt), which reads
// every input from a storage buffer instead: same sums, same order.

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
// read or written through a storage buffer (comps 0) or read comps (1 or
// 4) float32 components at a time: through a uniform texel buffer, or
// through a storage buffer when storage is set (a "_storage" kernel). With
// 4 components plane must be a multiple of 4.
type operand struct {
	x       *Buffer
	plane   int
	comps   int
	storage bool
}

// texelLimit is the most elements one texel binding may hold: the device's
// maxTexelBufferElements, and never more than 2³¹−1, since texelFetch takes
// an int (read.glsl).
func (b *Backend) texelLimit() uint64 {
	return min(uint64(b.dev.Info.MaxTexelBufferElements), math.MaxInt32)
}

// texelFits reports whether every x (nil ones skipped) can be bound whole
// as a texel buffer: if not, the op reads through storage buffers.
func (b *Backend) texelFits(xs ...*Buffer) bool {
	for _, x := range xs {
		if x != nil && uint64(x.n) > b.texelLimit() {
			return false
		}
	}
	return true
}

// input binds x whole as an input of a kernel that reads through texel
// buffers, or storage buffers when storage is set; an x longer than that
// binding may be is recorded as an error naming the limit.
func (b *Backend) input(x *Buffer, storage bool) gpu.Binding {
	info := &b.dev.Info
	if !storage && uint64(x.n) > b.texelLimit() {
		b.s.Fail(fmt.Errorf("vkgraph: tensor %q has %d elements, more than %s reads in one texel buffer (maxTexelBufferElements %d): use a smaller image size",
			x.buf.Name(), x.n, info.Name, info.MaxTexelBufferElements))
	}
	if limit := b.dev.BindingLimit(); storage && uint64(x.n)*4 > limit {
		b.s.Fail(fmt.Errorf("vkgraph: tensor %q is %v, more than %s binds as one storage buffer (maxStorageBufferRange %v): use a smaller image size",
			x.buf.Name(), gpu.Bytes(uint64(x.n)*4), info.Name, gpu.Bytes(limit)))
	}
	return x.buf.All()
}

// run is a run of planes [first, first+count) of every operand of an op:
// per operand its binding and off, the element index of plane first inside
// that binding.
type run struct {
	first, count int
	binds        []gpu.Binding
	offs         []uint32
}

// limits returns the largest binding of o in bytes and the alignment of
// its offset: the storage-buffer range and minStorageBufferOffsetAlignment,
// or for texel reads the texel limit and minTexelBufferOffsetAlignment;
// at least the size of what one read takes, so that offsets in the shader
// count whole reads.
func (b *Backend) limits(o operand) (limit, align uint64) {
	info := &b.dev.Info
	limit = b.dev.BindingLimit()
	read := 4 * uint64(max(o.comps, 1))
	if o.comps == 0 || o.storage {
		return limit, max(info.StorageOffsetAlignment, read)
	}
	limit = min(limit, b.texelLimit()*read)
	return limit, max(info.TexelOffsetAlignment, read)
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
		limit, align := b.limits(o)
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
	limit, align := b.limits(o)
	return uint64(o.plane)*4 <= limit-align
}

// planeRuns cuts planes planes into runs of at most runLen(maxRun, ops...)
// planes and binds every operand over each run. A plane too large for one
// binding is recorded as an error and gives no runs.
func (b *Backend) planeRuns(planes, maxRun int, ops ...operand) []run {
	return b.planeRunsFrom(0, planes, maxRun, ops...)
}

// planeRunsFrom is planeRuns over planes [at, at+planes) of every operand
// (the output planes of one image of a batch); the runs' first counts
// from at.
func (b *Backend) planeRunsFrom(at, planes, maxRun int, ops ...operand) []run {
	per := b.runLen(maxRun, ops...)
	if per == 0 {
		return nil
	}
	var out []run
	for first := 0; first < planes; first += per {
		r := run{first: first, count: min(per, planes-first)}
		for _, o := range ops {
			bind, off := b.bindPlanes(o, at+r.first, r.count)
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
	_, align := b.limits(o)
	start := uint64(first) * uint64(o.plane) * 4
	base := start / align * align
	return o.x.buf.Range(base, start-base+uint64(count)*uint64(o.plane)*4), uint32((start - base) / 4)
}

// scalar binds a 1-element buffer (a loss or its gradient) whole.
func scalar(x *Buffer) gpu.Binding { return x.buf.Range(0, 4) }
