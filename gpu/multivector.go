package gpu

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/vkstyle/vkstyle/shaders"
)

// The multi-vector kernels: a vector's dot products with many vectors, and
// a combination of many vectors, in a few dispatches whatever their number
// (the vector-free L-BFGS of optim: an iteration's products with the whole
// history, and its direction as one combination). Each dispatch binds K
// vectors, K from the device's storage-buffer limit (shaders/vectors.glsl).

// multiWidth is how many vectors one dispatch of the dots (combine) kernel
// binds on this device, and the kernel's name: 14 (15) where 16 storage
// buffers are allowed, else the minimum limits' 2 (3).
func (d *Device) multiWidth(combine bool) (string, int) {
	wide := d.Info.MaxStorageBuffers >= 16
	switch {
	case combine && wide:
		return "combine15", 15
	case combine:
		return "combine", 3
	case wide:
		return "dots14", 14
	}
	return "dots", 2
}

func (d *Device) multiKernel(name string, bindings int, push uint32, reduce bool) (*Kernel, error) {
	code, err := shaders.Code(name)
	if err != nil {
		return nil, err
	}
	spec := KernelSpec{Name: name, Code: code, Bindings: bindings, PushSize: push}
	if reduce {
		spec.Spec = []uint32{reduceItems}
		spec.LocalSize = d.reduceLocalSize()
	}
	return d.Kernel(spec)
}

// DotsTo writes Σ a[i]·bs[j][i] over i < n into dst[at+j] for every j,
// deterministically: the partial sums of a work group are reduce's, and
// a's product with b has the bits of b's with a, whichever other vectors
// share its dispatch. It records ⌈len(bs)/K⌉ dispatches per binding-sized
// chunk of the vectors and one that adds the partials.
func (b *Batch) DotsTo(dst *Buffer, at int, a *Buffer, bs []*Buffer, n int) error {
	if err := checkLen("dots", n, append([]*Buffer{a}, bs...)...); err != nil {
		return err
	}
	if at < 0 {
		return fmt.Errorf("gpu: dots: negative index %d", at)
	}
	if err := checkLen("dots", at+len(bs), dst); err != nil || len(bs) == 0 {
		return err
	}
	if n == 0 {
		return b.Zero(dst.Range(uint64(at)*4, uint64(len(bs))*4))
	}
	name, width := b.dev.multiWidth(false)
	k, err := b.dev.multiKernel(name, width+2, 16, true)
	if err != nil {
		return err
	}
	group := uint64(k.LocalSize()) * reduceItems
	cols := (uint64(n) + group - 1) / group // partials a vector
	if uint64(len(bs))*cols*4 > b.dev.bindLimit || len(bs) > int(b.dev.Info.MaxWorkGroupCount[0]) {
		return fmt.Errorf("gpu: dots: %d vectors of %d elements need %d partial sums, more than one binding or dispatch holds", len(bs), n, uint64(len(bs))*cols)
	}
	partials, err := b.Temp("dots partials", uint64(len(bs))*cols*4)
	if err != nil {
		return err
	}
	chunk := b.dev.ChunkElems(group)
	binds := make([]Binding, width+2)
	push := make([]byte, 16)
	for start := uint64(0); start < uint64(n); start += chunk {
		m := min(chunk, uint64(n)-start)
		g, err := b.dev.Grid1D((m+group-1)/group*uint64(k.LocalSize()), k.LocalSize())
		if err != nil {
			return err
		}
		binds[0] = a.Range(start*4, m*4)
		for j0 := 0; j0 < len(bs); j0 += width {
			count := min(width, len(bs)-j0)
			for j := range width {
				binds[1+j] = bs[j0+min(j, count-1)].Range(start*4, m*4) // unused slots repeat the last
			}
			binds[width+1] = partials.All()
			binary.LittleEndian.PutUint32(push, uint32(m))
			binary.LittleEndian.PutUint32(push[4:], uint32(count))
			binary.LittleEndian.PutUint32(push[8:], uint32(cols))
			binary.LittleEndian.PutUint32(push[12:], uint32(uint64(j0)*cols+start/group))
			if err := b.Dispatch(k, g, push, binds...); err != nil {
				return err
			}
		}
	}
	rk, err := b.dev.multiKernel("rowsum", 2, 8, true)
	if err != nil {
		return err
	}
	g, err := b.dev.Grid1D(uint64(len(bs))*uint64(rk.LocalSize()), rk.LocalSize())
	if err != nil {
		return err
	}
	align := max(b.dev.Info.StorageOffsetAlignment/4, 1)
	base := uint64(at) / align * align
	out := dst.Range(base*4, (uint64(at)-base+uint64(len(bs)))*4)
	return b.Dispatch(rk, g, push2(uint32(cols), uint32(uint64(at)-base)), partials.All(), out)
}

// Combine sets y[i] = Σ c[j]·xs[j][i] for i < n, the terms added in the
// order of j through fma, as Axpy would add them one by one to a zeroed
// y. y must not be one of xs. It records ⌈len(xs)/K⌉ dispatches per
// binding-sized chunk.
func (b *Batch) Combine(y *Buffer, c []float32, xs []*Buffer, n int) error {
	if len(c) != len(xs) || len(xs) == 0 {
		return fmt.Errorf("gpu: combine: %d coefficients for %d vectors", len(c), len(xs))
	}
	if err := checkLen("combine", n, append([]*Buffer{y}, xs...)...); err != nil || n == 0 {
		return err
	}
	for _, x := range xs {
		if x == y {
			return fmt.Errorf("gpu: combine: the output %q is one of the vectors combined", y.name)
		}
	}
	name, width := b.dev.multiWidth(true)
	k, err := b.dev.multiKernel(name, width+1, uint32(12+4*width), false)
	if err != nil {
		return err
	}
	chunk := b.dev.ChunkElems(uint64(k.LocalSize()))
	binds := make([]Binding, width+1)
	push := make([]byte, 12+4*width)
	for start := uint64(0); start < uint64(n); start += chunk {
		m := min(chunk, uint64(n)-start)
		for j0 := 0; j0 < len(xs); j0 += width {
			count := min(width, len(xs)-j0)
			clear(push)
			for j := range width {
				binds[j] = xs[j0+min(j, count-1)].Range(start*4, m*4)
				if j < count {
					binary.LittleEndian.PutUint32(push[12+4*j:], math.Float32bits(c[j0+j]))
				}
			}
			binds[width] = y.Range(start*4, m*4)
			binary.LittleEndian.PutUint32(push, uint32(m))
			binary.LittleEndian.PutUint32(push[4:], uint32(count))
			if j0 > 0 {
				binary.LittleEndian.PutUint32(push[8:], 1)
			}
			if err := b.Dispatch1D(k, m, push, binds...); err != nil {
				return err
			}
		}
	}
	return nil
}
