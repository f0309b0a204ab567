package vkgraph

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// Backend implements graph.Backend on a Vulkan device.
type Backend struct {
	dev *gpu.Device
	s   *gpu.Stream
	own bool // the stream was created here and is closed with the backend

	kernels  Family // the convolution and Gram family (kernels.go)
	convTile [2]int // conv2d_fwd's register tile when set (tests); else texelTile's choice
	// subgroupW: the texel forward convolution fetches its weights by
	// subgroup (conv2d_fwd_sg), where that was measured to pay: CPU
	// devices (lavapipe) whose subgroups have 8 lanes or more, shuffle and
	// vote. A GPU caches a uniform load anyway.
	subgroupW bool
	// winograd: whether 3×3 convolutions run as Winograd F(2×2, 3×3)
	// (winograd.go): winoAuto, winoOn or winoOff; wino its scratch.
	winograd int
	wino     [3]*gpu.Buffer
	// winoCap bounds each Winograd scratch buffer, in float32 elements
	// (winoScratch unless SetScratchLimit lowered it); winoFixed makes each
	// one that capacity at once, so that none is replaced while the work
	// of the old one is pending (see ScratchBound).
	winoCap   int
	winoFixed bool
	// opLabel is the profile label of the op being recorded when it is
	// made of other ops (matrix.go's enclose), which keep it.
	opLabel string
}

var _ graph.Backend = (*Backend)(nil)

// New returns a backend recording into stream s (shared with the
// optimiser, so its vector work joins the same submission). If s is nil the
// backend creates its own. The kernel family is $VKSTYLE_KERNELS, else
// chosen by device (Family).
func New(dev *gpu.Device, s *gpu.Stream) (*Backend, error) {
	if err := kernelsEmbedded(); err != nil {
		return nil, err
	}
	b := &Backend{dev: dev, s: s, winoCap: winoScratch}
	b.subgroupW = subgroupWeights(&dev.Info)
	wm, err := winogradMode()
	if err != nil {
		return nil, err
	}
	b.winograd = wm
	k, err := defaultFamily()
	if err == nil {
		b.kernels, err = b.resolve(k)
	}
	if err != nil {
		return nil, err
	}
	if s == nil {
		var err error
		if b.s, err = dev.NewStream(); err != nil {
			return nil, err
		}
		b.own = true
	}
	return b, nil
}

// Stream is the stream the backend records into.
func (b *Backend) Stream() *gpu.Stream { return b.s }

// Close frees the backend's own stream. Buffers are freed by their owners.
func (b *Backend) Close() error {
	if b.s != nil {
		b.closeWinograd()
	}
	if b.own && b.s != nil {
		err := b.s.Close()
		b.s = nil
		return err
	}
	return nil
}

// Buffer is a tensor's storage: a device buffer of Len float32 elements.
type Buffer struct {
	buf *gpu.Buffer
	n   int
}

// Len is the number of float32 elements.
func (x *Buffer) Len() int { return x.n }

// GPU is the device buffer, for code that shares tensors with other GPU
// work (the optimiser's vectors, the preview).
func (x *Buffer) GPU() *gpu.Buffer { return x.buf }

// Wrap makes a graph buffer of n elements over an existing device buffer.
func Wrap(buf *gpu.Buffer, n int) *Buffer { return &Buffer{buf: buf, n: n} }

func unwrap(b graph.Buffer) *Buffer {
	if b == nil {
		return nil
	}
	x, ok := b.(*Buffer)
	if !ok {
		panic(fmt.Sprintf("vkgraph: buffer %T is not from this backend", b))
	}
	if x.buf == nil {
		panic("vkgraph: use of a freed buffer")
	}
	return x
}

// Alloc returns a buffer of n float32 elements.
func (b *Backend) Alloc(n int, name string) (graph.Buffer, error) {
	if n < 1 {
		panic(fmt.Sprintf("vkgraph: Alloc(%d, %q)", n, name))
	}
	buf, err := b.dev.NewBuffer(name, uint64(n)*4)
	if err != nil {
		return nil, err
	}
	return &Buffer{buf: buf, n: n}, nil
}

// Free releases x; a second Free is harmless. The device buffer is
// closed once no recorded work uses it (gpu.Stream.Release).
func (b *Backend) Free(x graph.Buffer) {
	if x, ok := x.(*Buffer); ok && x.buf != nil {
		b.s.Release(x.buf)
		x.buf = nil
	}
}

// Upload records a copy of src into x, ordered with the kernels: src goes
// to a scratch buffer now and is copied on the device in stream order.
func (b *Backend) Upload(x graph.Buffer, src []float32) error {
	dst := unwrap(x)
	graph.CheckLen("Upload", "buffer", x, len(src))
	batch := b.s.Batch()
	tmp, err := batch.Temp("upload "+dst.buf.Name(), uint64(len(src))*4)
	if err != nil {
		return err
	}
	if err := tmp.WriteFloat32(0, src); err != nil {
		return err
	}
	return batch.Copy(dst.buf.All(), tmp.All())
}

// Download submits the pending work, waits, and copies x into dst.
func (b *Backend) Download(x graph.Buffer, dst []float32) error {
	src := unwrap(x)
	graph.CheckLen("Download", "buffer", x, len(dst))
	if err := b.s.Sync(); err != nil {
		return err
	}
	return src.buf.ReadFloat32(0, dst)
}

// Flush submits the pending work and waits for it.
func (b *Backend) Flush() error { return b.s.Sync() }

// dispatch records k with push constants built from words; a failure is
// kept for the next Flush.
func (b *Backend) dispatch(k *gpu.Kernel, groups [3]uint32, words []uint32, binds ...gpu.Binding) {
	if k == nil || groups[0] == 0 || groups[1] == 0 || groups[2] == 0 {
		return // a failed kernel or grid, already recorded; or no work
	}
	b.s.Fail(b.s.Batch().Dispatch(k, groups, pushBytes(words), binds...))
}

func pushBytes(words []uint32) []byte {
	p := make([]byte, 4*len(words))
	for i, w := range words {
		binary.LittleEndian.PutUint32(p[4*i:], w)
	}
	return p
}

func f32(v float32) uint32 { return math.Float32bits(v) }
