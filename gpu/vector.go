package gpu

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/vkstyle/vkstyle/shaders"
)

// The vector kernels: element-wise ops and deterministic reductions over the
// first n float32 elements of buffers. Work larger than one binding can
// cover (BindingLimit) is split into several dispatches over aligned ranges,
// so any buffer the device can allocate works.

// reduceItems is how many elements each thread of a reduction adds before
// the work group's tree; a group covers reduceItems × work-group size.
const reduceItems = 16

func (d *Device) vectorKernel(op vectorOp, bindings int) (*Kernel, error) {
	code, err := shaders.Code(string(op))
	if err != nil {
		return nil, err
	}
	spec := KernelSpec{Name: string(op), Code: code, Bindings: bindings, PushSize: 8}
	if op == opAxpyCoef {
		spec.PushSize = 20
	}
	if reduceOps[op] {
		spec.Spec = []uint32{reduceItems}
		spec.LocalSize = d.reduceLocalSize()
	}
	return d.Kernel(spec)
}

// reduceLocalSize is the largest power of two ≤ 256 the device allows whose
// group of reduceItems·L elements fits one binding: 256 on any conformant
// device (maxStorageBufferRange ≥ 128 MiB), smaller only under a test's
// Options.MaxBindingRange.
func (d *Device) reduceLocalSize() uint32 {
	l := uint32(256)
	for l > 1 && (l > d.Info.MaxWorkGroupInvocations || l > d.Info.MaxWorkGroupSize[0] || uint64(l)*reduceItems*4 > d.bindLimit) {
		l /= 2
	}
	return l
}

func push2(a uint32, b uint32) []byte {
	p := make([]byte, 8)
	binary.LittleEndian.PutUint32(p, a)
	binary.LittleEndian.PutUint32(p[4:], b)
	return p
}

// ChunkElems is the most float32 elements one storage binding may cover
// in a split over a large buffer: a multiple of multiple (a work-group
// size, say) and of the storage offset alignment, so every chunk starts
// aligned, whose bytes fit BindingLimit.
func (d *Device) ChunkElems(multiple uint64) uint64 {
	align := d.Info.StorageOffsetAlignment / 4
	if align == 0 {
		align = 1
	}
	step := lcm(multiple, align)
	c := d.bindLimit / 4 / step * step
	if c == 0 {
		c = step // a binding limit below one step: cannot happen on a conformant device
	}
	return c
}

func lcm(a, b uint64) uint64 {
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	return a / x * b
}

func checkLen(op string, n int, bufs ...*Buffer) error {
	if n < 0 {
		return fmt.Errorf("gpu: %s: negative length %d", op, n)
	}
	for _, b := range bufs {
		if b == nil || b.h == nil {
			return fmt.Errorf("gpu: %s: buffer is nil or closed", op)
		}
		if uint64(n)*4 > b.size {
			return fmt.Errorf("gpu: %s of %d elements overruns buffer %q of %d bytes", op, n, b.name, b.size)
		}
	}
	return nil
}

// eltwise records op over n elements, chunk by chunk; bufs are in binding
// order (inputs, then the output).
func (b *Batch) eltwise(op vectorOp, n int, a float32, bufs ...*Buffer) error {
	if err := checkLen(string(op), n, bufs...); err != nil || n == 0 {
		return err
	}
	k, err := b.dev.vectorKernel(op, len(bufs))
	if err != nil {
		return err
	}
	chunk := b.dev.ChunkElems(uint64(k.LocalSize()))
	binds := make([]Binding, len(bufs))
	for start := uint64(0); start < uint64(n); start += chunk {
		m := min(chunk, uint64(n)-start)
		for i, buf := range bufs {
			binds[i] = buf.Range(start*4, m*4)
		}
		if err := b.Dispatch1D(k, m, push2(uint32(m), math.Float32bits(a)), binds...); err != nil {
			return err
		}
	}
	return nil
}

// Fill sets dst[i] = value for i < n.
func (b *Batch) Fill(dst *Buffer, n int, value float32) error {
	return b.eltwise(opFill, n, value, dst)
}

// CopyVec sets dst[i] = src[i] for i < n.
func (b *Batch) CopyVec(dst, src *Buffer, n int) error { return b.eltwise(opCopy, n, 0, src, dst) }

// Scale sets dst[i] = a·src[i]; dst may be src.
func (b *Batch) Scale(dst *Buffer, a float32, src *Buffer, n int) error {
	return b.eltwise(opScale, n, a, src, dst)
}

// Axpy sets y[i] += a·x[i] through fma(): one rounding on lavapipe, which
// Vulkan does not promise on a GPU (the product may be rounded first).
func (b *Batch) Axpy(y *Buffer, a float32, x *Buffer, n int) error {
	return b.eltwise(opAxpy, n, a, x, y)
}

// axpyCoefItems is how many elements one invocation of axpy_coef updates
// (its ITEMS).
const axpyCoefItems = 16

// Coef names a coefficient held on the device: W1·s[I1] + W2·s[I2] for a
// buffer s of float32 scalars (the W2 term is left out when W2 is 0).
type Coef struct {
	W1, W2 float32
	I1, I2 int
}

// AxpyCoef sets y[i] += c·x[i] for i < n, where c is k evaluated on the
// scalars s (each product and the sum rounded on their own), so that a
// coefficient that earlier work wrote (a Dot into s) scales x without a
// round trip to the host. The fma rounds as Axpy's does.
func (b *Batch) AxpyCoef(y *Buffer, s *Buffer, k Coef, x *Buffer, n int) error {
	if err := checkLen(string(opAxpyCoef), n, x, y); err != nil || n == 0 {
		return err
	}
	if k.I1 < 0 || k.I2 < 0 {
		return fmt.Errorf("gpu: axpy_coef: negative scalar index in %+v", k)
	}
	if err := checkLen("axpy_coef scalars", max(k.I1, k.I2)+1, s); err != nil {
		return err
	}
	kern, err := b.dev.vectorKernel(opAxpyCoef, 3)
	if err != nil {
		return err
	}
	push := make([]byte, 20)
	binary.LittleEndian.PutUint32(push[4:], uint32(k.I1))
	binary.LittleEndian.PutUint32(push[8:], uint32(k.I2))
	binary.LittleEndian.PutUint32(push[12:], math.Float32bits(k.W1))
	binary.LittleEndian.PutUint32(push[16:], math.Float32bits(k.W2))
	// The whole of s, whatever the indices: one binding, so one cached
	// descriptor set, for every coefficient of s (a range per index made
	// each call a new set, which cost lavapipe as much as the axpy).
	scalars := s.All()
	chunk := b.dev.ChunkElems(uint64(kern.LocalSize()))
	for start := uint64(0); start < uint64(n); start += chunk {
		m := min(chunk, uint64(n)-start)
		binary.LittleEndian.PutUint32(push, uint32(m))
		if err := b.Dispatch1D(kern, (m+axpyCoefItems-1)/axpyCoefItems, push, x.Range(start*4, m*4), scalars, y.Range(start*4, m*4)); err != nil {
			return err
		}
	}
	return nil
}

// Add sets dst[i] = x[i] + y[i]; dst may be x or y.
func (b *Batch) Add(dst, x, y *Buffer, n int) error { return b.eltwise(opAdd, n, 0, x, y, dst) }

// Mul sets dst[i] = x[i]·y[i]; dst may be x or y.
func (b *Batch) Mul(dst, x, y *Buffer, n int) error { return b.eltwise(opMul, n, 0, x, y, dst) }

// Sum writes Σ x[i] over i < n into dst[at]. The order of additions is fixed
// by n and the device's work-group size, so the result is deterministic.
func (b *Batch) Sum(dst *Buffer, at int, x *Buffer, n int) error {
	return b.reduce(opSum, dst, at, n, x)
}

// Dot writes Σ x[i]·y[i] over i < n into dst[at], deterministically.
func (b *Batch) Dot(dst *Buffer, at int, x, y *Buffer, n int) error {
	return b.reduce(opDot, dst, at, n, x, y)
}

// AbsSum writes Σ |x[i]| over i < n into dst[at], deterministically.
func (b *Batch) AbsSum(dst *Buffer, at int, x *Buffer, n int) error {
	return b.reduce(opAbsSum, dst, at, n, x)
}

// MaxAbs writes max |x[i]| over i < n (0 for n = 0) into dst[at]. The result
// is NaN if any x[i] is NaN and +Inf if any is infinite.
func (b *Batch) MaxAbs(dst *Buffer, at int, x *Buffer, n int) error {
	return b.reduce(opMaxAbs, dst, at, n, x)
}

// reduce records op over n elements of in into dst[at]: a first pass of op,
// then passes of sum over the partial results (of maxabs for maxabs).
func (b *Batch) reduce(op vectorOp, dst *Buffer, at, n int, in ...*Buffer) error {
	if err := checkLen(string(op), n, in...); err != nil {
		return err
	}
	if err := checkLen(string(op), at+1, dst); err != nil {
		return err
	}
	if n == 0 {
		return b.Zero(dst.Range(uint64(at)*4, 4))
	}
	k, err := b.dev.vectorKernel(op, len(in)+1)
	if err != nil {
		return err
	}
	group := uint64(k.LocalSize()) * reduceItems
	groups := (uint64(n) + group - 1) / group
	// One pass over the input into partial sums (or straight into dst when a
	// single group covers it), then passes over the partials.
	out, outAt := dst, uint64(at)
	var partials *Buffer
	if groups > 1 {
		if partials, err = b.Temp(string(op)+" partials", groups*4); err != nil {
			return err
		}
		out, outAt = partials, 0
	}
	if err := b.reducePass(k, uint64(n), out, outAt, in...); err != nil {
		return err
	}
	later := opSum
	if op == opMaxAbs {
		later = opMaxAbs // |m| = m for the partial maxima, and NaN stays NaN
	}
	for groups > 1 {
		lk, err := b.dev.vectorKernel(later, 2)
		if err != nil {
			return err
		}
		next := (groups + group - 1) / group
		src := partials
		out, outAt = dst, uint64(at)
		if next > 1 {
			if partials, err = b.Temp(string(later)+" partials", next*4); err != nil {
				return err
			}
			out, outAt = partials, 0
		}
		if err := b.reducePass(lk, groups, out, outAt, src); err != nil {
			return err
		}
		groups = next
	}
	return nil
}

// reducePass reduces n elements of in into ceil(n/group) partial sums at
// out[outAt...], splitting the input across bindings in whole groups so the
// result is the same bits whatever the binding limit.
func (b *Batch) reducePass(k *Kernel, n uint64, out *Buffer, outAt uint64, in ...*Buffer) error {
	group := uint64(k.LocalSize()) * reduceItems
	chunk := b.dev.ChunkElems(group)
	binds := make([]Binding, len(in)+1)
	for start := uint64(0); start < n; start += chunk {
		m := min(chunk, n-start)
		for i, buf := range in {
			binds[i] = buf.Range(start*4, m*4)
		}
		groups := (m + group - 1) / group
		first := outAt + start/group
		// Bind the output from an aligned offset at or below the first
		// partial, and address the rest through the push constant.
		align := max(b.dev.Info.StorageOffsetAlignment/4, 1)
		base := first / align * align
		binds[len(in)] = out.Range(base*4, (first-base+groups)*4)
		g, err := b.dev.Grid1D(groups*uint64(k.LocalSize()), k.LocalSize())
		if err != nil {
			return err
		}
		if err := b.Dispatch(k, g, push2(uint32(m), uint32(first-base)), binds...); err != nil {
			return err
		}
	}
	return nil
}
