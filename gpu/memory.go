package gpu

import (
	"fmt"
	"sort"
	"sync"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// allocator sub-allocates buffers from large VkDeviceMemory blocks, because
// drivers cap the number of allocations (maxMemoryAllocationCount, often
// 4096). Each block keeps a sorted free list; allocation is first fit, free
// merges neighbours. Host-visible blocks stay mapped for their lifetime.
type allocator struct {
	dev       *Device
	blockSize uint64

	mu       sync.Mutex
	blocks   []*block
	reserved uint64 // bytes in blocks
	used     uint64 // bytes handed out
}

type block struct {
	mem    vk.DeviceMemory
	typ    uint32
	size   uint64
	free   []span // sorted by offset, never adjacent
	mapped unsafe.Pointer
	own    bool // a dedicated block for one large buffer
	inUse  uint64
}

type span struct{ off, size uint64 }

// allocation is a piece of a block.
type allocation struct {
	blk  *block
	off  uint64
	size uint64
}

// ptr is the host address of the allocation, or nil when not mapped.
func (a allocation) ptr() unsafe.Pointer {
	if a.blk.mapped == nil {
		return nil
	}
	return unsafe.Add(a.blk.mapped, a.off)
}

func newAllocator(d *Device, blockSize uint64) *allocator {
	return &allocator{dev: d, blockSize: blockSize}
}

// memoryType picks the first memory type allowed by bits that has all of
// want, preferring ones that also have prefer. ok is false when none has want.
func (a *allocator) memoryType(bits, want, prefer uint32) (uint32, bool) {
	flags := a.dev.Info.memoryTypeFlags
	best, found := uint32(0), false
	for i := range flags {
		if bits&(1<<i) == 0 || flags[i]&want != want {
			continue
		}
		if flags[i]&prefer == prefer {
			return uint32(i), true
		}
		if !found {
			best, found = uint32(i), true
		}
	}
	return best, found
}

// alloc returns size bytes aligned to align from a block of memory type typ,
// creating a block when none has room. Requests larger than a block get a
// block of their own.
func (a *allocator) alloc(name string, size, align uint64, typ uint32, host bool) (allocation, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, b := range a.blocks {
		if b.typ != typ || b.own || (b.mapped != nil) != host {
			continue
		}
		if off, ok := b.take(size, align); ok {
			a.used += size
			return allocation{blk: b, off: off, size: size}, nil
		}
	}
	bsize, own := a.blockSize, false
	if size > bsize {
		bsize, own = size, true
	}
	if max := a.dev.Info.MaxMemoryAllocation; max > 0 && bsize > max {
		if size > max {
			return allocation{}, fmt.Errorf("%w: buffer %q needs %s but the device allows at most %s in one allocation (maxMemoryAllocationSize)", ErrTooLarge, name, Bytes(size), Bytes(max))
		}
		bsize = max
	}
	b, err := a.newBlock(bsize, typ, host)
	if err != nil {
		return allocation{}, fmt.Errorf("gpu: allocating %s for buffer %q: %w", Bytes(size), name, err)
	}
	b.own = own
	a.blocks = append(a.blocks, b)
	off, _ := b.take(size, align)
	a.used += size
	return allocation{blk: b, off: off, size: size}, nil
}

func (a *allocator) newBlock(size uint64, typ uint32, host bool) (*block, error) {
	info := vk.MemoryAllocateInfo{
		SType:           vk.StructureTypeMemoryAllocateInfo,
		AllocationSize:  vk.DeviceSize(size),
		MemoryTypeIndex: typ,
	}
	var mem vk.DeviceMemory
	defer info.Free() // vulkan-go copied it into C memory: see cmem.go
	if err := check("vkAllocateMemory", vk.AllocateMemory(a.dev.h, &info, nil, &mem)); err != nil {
		return nil, err
	}
	b := &block{mem: mem, typ: typ, size: size, free: []span{{0, size}}}
	if host {
		var p unsafe.Pointer
		if err := check("vkMapMemory", vk.MapMemory(a.dev.h, mem, 0, vk.DeviceSize(size), 0, &p)); err != nil {
			vk.FreeMemory(a.dev.h, mem, nil)
			return nil, err
		}
		b.mapped = p
	}
	a.reserved += size
	return b, nil
}

// take carves size bytes at an offset aligned to align out of the first
// free span that fits.
func (b *block) take(size, align uint64) (uint64, bool) {
	for i, s := range b.free {
		off := alignUp(s.off, align)
		if off+size > s.off+s.size {
			continue
		}
		var rest []span
		if off > s.off {
			rest = append(rest, span{s.off, off - s.off})
		}
		if end := off + size; end < s.off+s.size {
			rest = append(rest, span{end, s.off + s.size - end})
		}
		b.free = append(b.free[:i], append(rest, b.free[i+1:]...)...)
		b.inUse += size
		return off, true
	}
	return 0, false
}

// give returns a span to the free list, merging it with its neighbours.
func (b *block) give(off, size uint64) {
	b.inUse -= size
	b.free = append(b.free, span{off, size})
	sort.Slice(b.free, func(i, j int) bool { return b.free[i].off < b.free[j].off })
	merged := b.free[:1]
	for _, s := range b.free[1:] {
		last := &merged[len(merged)-1]
		if last.off+last.size == s.off {
			last.size += s.size
		} else {
			merged = append(merged, s)
		}
	}
	b.free = merged
}

// release frees an allocation; an empty block is returned to the driver
// unless it is the last block of its memory type.
func (a *allocator) release(al allocation) {
	a.mu.Lock()
	defer a.mu.Unlock()
	al.blk.give(al.off, al.size)
	a.used -= al.size
	if al.blk.inUse > 0 {
		return
	}
	keep := !al.blk.own
	if keep {
		for _, b := range a.blocks {
			if b != al.blk && b.typ == al.blk.typ && !b.own && (b.mapped == nil) == (al.blk.mapped == nil) {
				keep = false
				break
			}
		}
	}
	if keep {
		return
	}
	for i, b := range a.blocks {
		if b == al.blk {
			a.blocks = append(a.blocks[:i], a.blocks[i+1:]...)
			break
		}
	}
	a.freeBlock(al.blk)
}

func (a *allocator) freeBlock(b *block) {
	if b.mapped != nil {
		vk.UnmapMemory(a.dev.h, b.mem)
		b.mapped = nil
	}
	vk.FreeMemory(a.dev.h, b.mem, nil)
	a.reserved -= b.size
}

func (a *allocator) usage() (reserved, used uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reserved, a.used
}

func (a *allocator) destroy() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, b := range a.blocks {
		a.freeBlock(b)
	}
	a.blocks = nil
}

func alignUp(v, a uint64) uint64 {
	if a <= 1 {
		return v
	}
	return (v + a - 1) / a * a
}

// Bytes formats a byte count for messages: 1.5 GiB, 128 MiB, 4 KiB, 17 B.
type Bytes uint64

func (b Bytes) String() string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.3g GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.3g MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.3g KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", uint64(b))
}
