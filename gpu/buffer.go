package gpu

import (
	"fmt"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// Buffer is a storage buffer in device memory. Where the device shares
// memory with the host (lavapipe, integrated GPUs) it is mapped and Read and
// Write copy directly; elsewhere they go through a staging buffer.
//
// Read and Write are synchronous and must not overlap a submitted batch that
// uses the buffer; Batch.Submit waits, so calling them between submissions
// is always safe.
type Buffer struct {
	dev   *Device
	h     vk.Buffer
	mem   allocation
	size  uint64
	name  string
	host  bool // mapped: Read/Write copy directly
	usage vk.BufferUsageFlagBits
}

const storageUsage = vk.BufferUsageStorageBufferBit | vk.BufferUsageTransferSrcBit |
	vk.BufferUsageTransferDstBit | vk.BufferUsageUniformTexelBufferBit

// NewBuffer creates a storage buffer of size bytes. The name appears in
// errors and leak reports. A buffer larger than the device can allocate is
// an error that says so; a buffer larger than one binding can cover is fine
// (kernels split it, see BindingLimit).
func (d *Device) NewBuffer(name string, size uint64) (*Buffer, error) {
	mapped := !d.opts.ForceStaging && (d.Info.Type == Integrated || d.Info.Type == CPU)
	return d.newBuffer(name, size, storageUsage, mapped, false)
}

// newBuffer creates a buffer. With mapped it asks for device-local memory
// that is also host-visible and falls back to plain device-local memory;
// with staging it asks for host-visible memory, cached where possible.
func (d *Device) newBuffer(name string, size uint64, usage vk.BufferUsageFlagBits, mapped, staging bool) (*Buffer, error) {
	defer holdGC()() // see gcfence.go
	if heap := d.Info.LocalMemory(); heap > 0 && size > heap {
		return nil, fmt.Errorf("%w: buffer %q needs %s but the device has %s of memory", ErrTooLarge, name, Bytes(size), Bytes(heap))
	}
	vsize := size
	if vsize < 4 {
		vsize = 4 // Vulkan buffers cannot be empty
	}
	info := vk.BufferCreateInfo{
		SType:       vk.StructureTypeBufferCreateInfo,
		Size:        vk.DeviceSize(vsize),
		Usage:       vk.BufferUsageFlags(usage),
		SharingMode: vk.SharingModeExclusive,
	}
	var h vk.Buffer
	defer info.Free() // vulkan-go copied it into C memory: see cmem.go
	if err := check("vkCreateBuffer", vk.CreateBuffer(d.h, &info, nil, &h)); err != nil {
		return nil, fmt.Errorf("buffer %q (%s): %w", name, Bytes(size), err)
	}
	var req vk.MemoryRequirements
	vk.GetBufferMemoryRequirements(d.h, h, &req)
	req.Deref()
	req.Free() // vulkan-go copied it into C memory: see cmem.go
	const (
		local    = uint32(vk.MemoryPropertyDeviceLocalBit)
		visible  = uint32(vk.MemoryPropertyHostVisibleBit | vk.MemoryPropertyHostCoherentBit)
		cached   = uint32(vk.MemoryPropertyHostCachedBit)
		anything = uint32(0)
	)
	var typ uint32
	var ok, host bool
	switch {
	case staging:
		typ, ok = d.alloc.memoryType(req.MemoryTypeBits, visible, visible|cached)
		host = true
	case mapped:
		if typ, ok = d.alloc.memoryType(req.MemoryTypeBits, local|visible, local|visible); ok {
			host = true
		} else {
			typ, ok = d.alloc.memoryType(req.MemoryTypeBits, local, local)
		}
	default:
		typ, ok = d.alloc.memoryType(req.MemoryTypeBits, local, local)
		if !ok {
			typ, ok = d.alloc.memoryType(req.MemoryTypeBits, anything, anything)
		}
	}
	if !ok {
		vk.DestroyBuffer(d.h, h, nil)
		return nil, fmt.Errorf("gpu: buffer %q: no suitable memory type", name)
	}
	al, err := d.alloc.alloc(name, uint64(req.Size), uint64(req.Alignment), typ, host)
	if err != nil {
		vk.DestroyBuffer(d.h, h, nil)
		return nil, err
	}
	if err := check("vkBindBufferMemory", vk.BindBufferMemory(d.h, h, al.blk.mem, vk.DeviceSize(al.off))); err != nil {
		d.alloc.release(al)
		vk.DestroyBuffer(d.h, h, nil)
		return nil, err
	}
	b := &Buffer{dev: d, h: h, mem: al, size: size, name: name, host: host, usage: usage}
	d.track(b, fmt.Sprintf("buffer %q (%s)", name, Bytes(size)))
	return b, nil
}

// Size is the buffer's size in bytes.
func (b *Buffer) Size() uint64 { return b.size }

// Name is the name the buffer was created with.
func (b *Buffer) Name() string { return b.name }

// All binds the whole buffer.
func (b *Buffer) All() Binding { return Binding{Buf: b, Size: b.size} }

// Range binds size bytes starting at off.
func (b *Buffer) Range(off, size uint64) Binding { return Binding{Buf: b, Offset: off, Size: size} }

func (b *Buffer) checkRange(op string, off, n uint64) error {
	if b.h == nil {
		return fmt.Errorf("gpu: %s on closed buffer %q", op, b.name)
	}
	if off+n > b.size || off+n < off {
		return fmt.Errorf("gpu: %s of %d bytes at offset %d is outside buffer %q of %d bytes", op, n, off, b.name, b.size)
	}
	return nil
}

// Write copies data into the buffer at byte offset off.
func (b *Buffer) Write(off uint64, data []byte) error {
	if err := b.checkRange("write", off, uint64(len(data))); err != nil || len(data) == 0 {
		return err
	}
	if b.host {
		copy(unsafe.Slice((*byte)(b.mem.ptr()), b.mem.size)[off:], data)
		return nil
	}
	return b.dev.staged(b, off, data, true)
}

// Read copies len(dst) bytes from byte offset off into dst.
func (b *Buffer) Read(off uint64, dst []byte) error {
	if err := b.checkRange("read", off, uint64(len(dst))); err != nil || len(dst) == 0 {
		return err
	}
	if b.host {
		copy(dst, unsafe.Slice((*byte)(b.mem.ptr()), b.mem.size)[off:])
		return nil
	}
	return b.dev.staged(b, off, dst, false)
}

// WriteFloat32 copies v into the buffer starting at element index at.
func (b *Buffer) WriteFloat32(at int, v []float32) error {
	return b.Write(uint64(at)*4, f32bytes(v))
}

// ReadFloat32 fills dst from the buffer starting at element index at.
func (b *Buffer) ReadFloat32(at int, dst []float32) error {
	return b.Read(uint64(at)*4, f32bytes(dst))
}

func f32bytes(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), len(v)*4)
}

// Close frees the buffer. It is safe to call twice.
func (b *Buffer) Close() error {
	if b == nil || b.h == nil {
		return nil
	}
	vk.DestroyBuffer(b.dev.h, b.h, nil)
	b.h = nil
	b.dev.alloc.release(b.mem)
	b.dev.untrack(b)
	return nil
}

// Binding is a byte range of a buffer bound to one kernel binding.
type Binding struct {
	Buf    *Buffer
	Offset uint64
	Size   uint64
}

func (x Binding) overlaps(y Binding) bool {
	return x.Buf == y.Buf && x.Offset < y.Offset+y.Size && y.Offset < x.Offset+x.Size
}
