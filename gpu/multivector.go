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

// wide says whether the device binds 16 storage buffers a stage, for the
// wide multi-vector kernels: dots3x12 (3 vectors' products with 12 a
// dispatch) and combine15 (15 vectors); else the minimum limits' dots (1
// with 2) and combine (3).
func (d *Device) wide() bool { return d.Info.MaxStorageBuffers >= 16 }

// dotsPartialsCap bounds the scratch of one DotsTo's partial sums (a
// GPU's, with 16 elements an invocation, would reach 90 MiB for three
// vectors' products with a full history at 4096×3072); more products are
// taken in several passes.
var dotsPartialsCap uint64 = 16 << 20

// dotsLocal is the dots kernel's work-group size (its MAX_LOCAL): small,
// so that the A·K sums of a group fit 16 KiB of shared memory.
const dotsLocal = 64

// dotsItems is how many elements each invocation of the dots kernel adds
// (its ITEMS): on a CPU driver 256, so that few work groups pay for the
// tree's barriers, lavapipe's dearest step (3 vectors with 48 at 3·512²:
// 131–154 ms with 16, 63 with 64, 49–51 with 256); on a GPU 16, so that a
// vector still spreads over many groups.
// Under a test's Options.MaxBindingRange it halves until a group's
// elements fit one binding.
func (d *Device) dotsItems() uint32 {
	items := uint32(16)
	if d.Info.Type == CPU {
		items = 256
	}
	for items > 1 && uint64(items)*dotsLocal*4 > d.bindLimit {
		items /= 2
	}
	return items
}

func (d *Device) multiKernel(name string, bindings int, push uint32, local uint32) (*Kernel, error) {
	code, err := shaders.Code(name)
	if err != nil {
		return nil, err
	}
	spec := KernelSpec{Name: name, Code: code, Bindings: bindings, PushSize: push, LocalSize: local}
	switch name {
	case "dots", "dots3x12":
		spec.Spec = []uint32{d.dotsItems()}
	case "rowsum":
		spec.Spec = []uint32{reduceItems}
	}
	return d.Kernel(spec)
}

// DotsTo writes Σ as[p][i]·bs[j][i] over i < n into dst[at+p·len(bs)+j]
// for every p and j, deterministically: each pair's sum is a fixed chain
// of fma and a fixed tree whatever shares its dispatch, so a's product
// with b has the bits of b's with a, as an a or as a b. Each vector is
// read once per dispatch for all its products: with the wide kernel,
// ⌈len(as)/3⌉·⌈len(bs)/12⌉ dispatches per binding-sized chunk of the
// vectors, and one that adds the partial sums.
func (b *Batch) DotsTo(dst *Buffer, at int, as, bs []*Buffer, n int) error {
	if err := checkLen("dots", n, append(append([]*Buffer(nil), as...), bs...)...); err != nil {
		return err
	}
	rows := len(as) * len(bs)
	if at < 0 {
		return fmt.Errorf("gpu: dots: negative index %d", at)
	}
	if err := checkLen("dots", at+rows, dst); err != nil || rows == 0 {
		return err
	}
	if n == 0 {
		return b.Zero(dst.Range(uint64(at)*4, uint64(rows)*4))
	}
	name, wa, wb := "dots", 1, 2
	if b.dev.wide() {
		name, wa, wb = "dots3x12", 3, 12
	}
	k, err := b.dev.multiKernel(name, wa+wb+1, 24, dotsLocal)
	if err != nil {
		return err
	}
	group := uint64(k.LocalSize()) * uint64(b.dev.dotsItems())
	cols := (uint64(n) + group - 1) / group // partials a pair
	if uint64(rows)*cols*4 > min(b.dev.bindLimit, dotsPartialsCap) && rows > 1 {
		// Too many partials for one binding, or for the memory a run
		// plans for: the products a row at a time, or half the vectors at
		// a time.
		if len(as) > 1 {
			for p, a := range as {
				if err := b.DotsTo(dst, at+p*len(bs), []*Buffer{a}, bs, n); err != nil {
					return err
				}
			}
			return nil
		}
		h := len(bs) / 2
		if err := b.DotsTo(dst, at, as, bs[:h], n); err != nil {
			return err
		}
		return b.DotsTo(dst, at+h, as, bs[h:], n)
	}
	if uint64(rows)*cols*4 > b.dev.bindLimit || rows > int(b.dev.Info.MaxWorkGroupCount[0]) {
		return fmt.Errorf("gpu: dots: %d products of %d elements need %d partial sums, more than one binding or dispatch holds", rows, n, uint64(rows)*cols)
	}
	partials, err := b.Temp("dots partials", uint64(rows)*cols*4)
	if err != nil {
		return err
	}
	chunk := b.dev.ChunkElems(group)
	binds := make([]Binding, wa+wb+1)
	push := make([]byte, 24)
	for start := uint64(0); start < uint64(n); start += chunk {
		m := min(chunk, uint64(n)-start)
		g, err := b.dev.Grid1D((m+group-1)/group*uint64(k.LocalSize()), k.LocalSize())
		if err != nil {
			return err
		}
		for p0 := 0; p0 < len(as); p0 += wa {
			acount := min(wa, len(as)-p0)
			for p := range wa {
				binds[p] = as[p0+min(p, acount-1)].Range(start*4, m*4) // unused slots repeat the last
			}
			for j0 := 0; j0 < len(bs); j0 += wb {
				count := min(wb, len(bs)-j0)
				for j := range wb {
					binds[wa+j] = bs[j0+min(j, count-1)].Range(start*4, m*4)
				}
				binds[wa+wb] = partials.All()
				for i, v := range []uint64{m, uint64(acount), uint64(count), cols, uint64(len(bs)) * cols, (uint64(p0*len(bs)+j0))*cols + start/group} {
					binary.LittleEndian.PutUint32(push[4*i:], uint32(v))
				}
				if err := b.Dispatch(k, g, push, binds...); err != nil {
					return err
				}
			}
		}
	}
	rk, err := b.dev.multiKernel("rowsum", 2, 8, 0)
	if err != nil {
		return err
	}
	g, err := b.dev.Grid1D(uint64(rows)*uint64(rk.LocalSize()), rk.LocalSize())
	if err != nil {
		return err
	}
	align := max(b.dev.Info.StorageOffsetAlignment/4, 1)
	base := uint64(at) / align * align
	out := dst.Range(base*4, (uint64(at)-base+uint64(rows))*4)
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
	name, width := "combine", 3
	if b.dev.wide() {
		name, width = "combine15", 15
	}
	k, err := b.dev.multiKernel(name, width+1, uint32(12+4*width), 0)
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
