package gpu

// Recording into a batch: dispatches, copies and fills, each checked
// against the device's limits, with the barriers their bindings need.

import (
	"fmt"

	vk "github.com/vulkan-go/vulkan"
)

// checkBinding checks binding i of a dispatch of k: a live buffer, a
// range inside it, within the binding-size limit and aligned.
func (b *Batch) checkBinding(k *Kernel, i int, x Binding) error {
	switch {
	case x.Buf == nil || x.Buf.h == nil:
		return fmt.Errorf("gpu: %s binding %d: buffer is nil or closed", k.spec.Name, i)
	case x.Size == 0:
		return fmt.Errorf("gpu: %s binding %d (%q): empty range", k.spec.Name, i, x.Buf.name)
	case x.Offset+x.Size > x.Buf.size || x.Offset+x.Size < x.Offset:
		return fmt.Errorf("gpu: %s binding %d: range [%d, %d) is outside buffer %q of %d bytes", k.spec.Name, i, x.Offset, x.Offset+x.Size, x.Buf.name, x.Buf.size)
	}
	if c := k.spec.texel(i); c > 0 {
		info := &b.dev.Info
		switch {
		case x.Offset%max(info.TexelOffsetAlignment, 1) != 0:
			return fmt.Errorf("gpu: %s binding %d: offset %d is not a multiple of minTexelBufferOffsetAlignment %d", k.spec.Name, i, x.Offset, info.TexelOffsetAlignment)
		case x.Size%uint64(4*c) != 0:
			return fmt.Errorf("gpu: %s binding %d: %d bytes are not whole texels of %d floats", k.spec.Name, i, x.Size, c)
		case x.Size/uint64(4*c) > uint64(info.MaxTexelBufferElements):
			return fmt.Errorf("gpu: %s binding %d: %d texels of buffer %q exceed the device's maxTexelBufferElements %d; split the work", k.spec.Name, i, x.Size/uint64(4*c), x.Buf.name, info.MaxTexelBufferElements)
		}
		return nil
	}
	if x.Size > b.dev.bindLimit {
		return fmt.Errorf("gpu: %s binding %d: %s of buffer %q exceed the device's storage-buffer range of %s; split the work", k.spec.Name, i, Bytes(x.Size), x.Buf.name, Bytes(b.dev.bindLimit))
	}
	if x.Offset%b.dev.Info.StorageOffsetAlignment != 0 {
		return fmt.Errorf("gpu: %s binding %d: offset %d is not a multiple of minStorageBufferOffsetAlignment %d", k.spec.Name, i, x.Offset, b.dev.Info.StorageOffsetAlignment)
	}
	return nil
}

// hazard reports whether a dispatch with these bindings must wait for
// earlier work in the batch.
func (b *Batch) hazard(binds []Binding, outputs int) bool {
	for i, x := range binds {
		for _, w := range b.written {
			if x.overlaps(w) {
				return true
			}
		}
		if i >= len(binds)-outputs {
			for _, r := range b.read {
				if x.overlaps(r) {
					return true
				}
			}
		}
	}
	return false
}

// order records a barrier before a dispatch with these bindings when
// hazard says it must wait, and notes what it reads and writes.
func (b *Batch) order(binds []Binding, outputs int) {
	if b.hazard(binds, outputs) {
		b.dev.fullBarrier(b.cmd)
		b.barriers++
		b.written, b.read = b.written[:0], b.read[:0]
	}
	for i, x := range binds {
		if i >= len(binds)-outputs {
			b.written = append(b.written, x)
		} else {
			b.read = append(b.read, x)
		}
	}
}

// Dispatch records kernel k over groups work groups with the given push
// constants (exactly the kernel's PushSize bytes) and bindings (exactly its
// Bindings, inputs first). Ranges are checked against the buffer, the
// storage-buffer range limit and the offset alignment.
func (b *Batch) Dispatch(k *Kernel, groups [3]uint32, push []byte, binds ...Binding) error {
	if len(binds) != k.spec.Bindings {
		return fmt.Errorf("gpu: %s takes %d bindings, got %d", k.spec.Name, k.spec.Bindings, len(binds))
	}
	if uint32(len(push)) != k.spec.PushSize {
		return fmt.Errorf("gpu: %s takes %d bytes of push constants, got %d", k.spec.Name, k.spec.PushSize, len(push))
	}
	for i, g := range groups {
		if g > b.dev.Info.MaxWorkGroupCount[i] {
			return fmt.Errorf("gpu: %s: %d work groups in dimension %d exceed the device's %d", k.spec.Name, g, i, b.dev.Info.MaxWorkGroupCount[i])
		}
	}
	for i, x := range binds {
		if err := b.checkBinding(k, i, x); err != nil {
			return err
		}
	}
	if groups[0] == 0 || groups[1] == 0 || groups[2] == 0 {
		return nil
	}
	if err := b.begin(); err != nil {
		return err
	}
	pool, err := b.descriptorPool(k)
	if err != nil {
		return err
	}
	var formats [maxBindings]vk.Format
	for i := range binds {
		switch k.spec.texel(i) {
		case 1:
			formats[i] = vk.FormatR32Sfloat
		case 4:
			formats[i] = vk.FormatR32g32b32a32Sfloat
		}
	}
	b.order(binds, k.outputs())
	bind := b.bound != k
	b.bound = k
	// With timestamps the dispatch is recorded here, between them;
	// otherwise record.c records it with the rest.
	timed := b.dev.Profiling()
	record := groups
	if timed {
		record = [3]uint32{}
	}
	b.views, err = b.dev.recordDispatch(b.cmd, pool, k, bind, binds, formats[:len(binds)], push, record, b.views)
	if err != nil {
		b.bound = nil
		return err
	}
	if timed {
		if _, err := b.timestamp(k, true); err != nil {
			return err
		}
		b.dev.cmdDispatch(b.cmd, groups)
		b.timestamp(k, false)
	}
	b.dispatches++
	return nil
}

// Grid1D returns the work-group counts for n invocations of work-group size
// local: one dimension while it fits maxComputeWorkGroupCount[0], else two.
// Kernels index with gl_GlobalInvocationID.y * gl_NumWorkGroups.x *
// gl_WorkGroupSize.x + gl_GlobalInvocationID.x and bounds-check.
func (d *Device) Grid1D(n uint64, local uint32) ([3]uint32, error) {
	groups := (n + uint64(local) - 1) / uint64(local)
	maxX := uint64(d.Info.MaxWorkGroupCount[0])
	if groups <= maxX {
		return [3]uint32{uint32(groups), 1, 1}, nil
	}
	gy := (groups + maxX - 1) / maxX
	gx := (groups + gy - 1) / gy
	if gy > uint64(d.Info.MaxWorkGroupCount[1]) {
		return [3]uint32{}, fmt.Errorf("gpu: %d invocations exceed the device's work-group counts", n)
	}
	return [3]uint32{uint32(gx), uint32(gy), 1}, nil
}

// Dispatch1D records k over n invocations (see Grid1D).
func (b *Batch) Dispatch1D(k *Kernel, n uint64, push []byte, binds ...Binding) error {
	g, err := b.dev.Grid1D(n, k.spec.LocalSize)
	if err != nil {
		return fmt.Errorf("%s: %w", k.spec.Name, err)
	}
	return b.Dispatch(k, g, push, binds...)
}

// Copy records a buffer-to-buffer copy of src into dst (equal sizes).
func (b *Batch) Copy(dst, src Binding) error {
	if dst.Size != src.Size {
		return fmt.Errorf("gpu: copy of %d bytes into %d bytes", src.Size, dst.Size)
	}
	if src.Size == 0 {
		return nil
	}
	if src.Offset+src.Size > src.Buf.size || dst.Offset+dst.Size > dst.Buf.size {
		return fmt.Errorf("gpu: copy outside %q or %q", src.Buf.name, dst.Buf.name)
	}
	if err := b.begin(); err != nil {
		return err
	}
	b.order([]Binding{src, dst}, 1)
	b.dev.cmdCopy(b.cmd, dst.Buf, dst.Offset, src.Buf, src.Offset, src.Size)
	return nil
}

// Zero records a fill of the bound range with zero bytes (vkCmdFillBuffer;
// offset and size are multiples of 4).
func (b *Batch) Zero(dst Binding) error {
	defer holdGC()() // see gcfence.go
	if dst.Size == 0 {
		return nil
	}
	if dst.Offset%4 != 0 || dst.Size%4 != 0 || dst.Offset+dst.Size > dst.Buf.size {
		return fmt.Errorf("gpu: zero fill of [%d, %d) in %q: not 4-byte aligned or outside the buffer", dst.Offset, dst.Offset+dst.Size, dst.Buf.name)
	}
	if err := b.begin(); err != nil {
		return err
	}
	b.order([]Binding{dst}, 1)
	vk.CmdFillBuffer(b.cmd, dst.Buf.h, vk.DeviceSize(dst.Offset), vk.DeviceSize(dst.Size), 0)
	return nil
}

// descriptorPool returns the pool k's next descriptor set comes from,
// with room counted off for it; it creates a pool when the last is full.
func (b *Batch) descriptorPool(k *Kernel) (vk.DescriptorPool, error) {
	need := uint32(k.spec.Bindings)
	if len(b.pools) == 0 || b.setsLeft == 0 || b.descsLeft < need {
		defer holdGC()() // the pool sizes go through vulkan-go: see gcfence.go
		sizes := []vk.DescriptorPoolSize{
			{Type: vk.DescriptorTypeStorageBuffer, DescriptorCount: descsPerPool},
			{Type: vk.DescriptorTypeUniformTexelBuffer, DescriptorCount: descsPerPool},
		}
		info := vk.DescriptorPoolCreateInfo{
			SType:         vk.StructureTypeDescriptorPoolCreateInfo,
			MaxSets:       setsPerPool,
			PoolSizeCount: 2,
			PPoolSizes:    sizes,
		}
		var pool vk.DescriptorPool
		defer info.Free() // vulkan-go copied it into C memory: see cmem.go
		if err := check("vkCreateDescriptorPool", vk.CreateDescriptorPool(b.dev.h, &info, nil, &pool)); err != nil {
			return nil, err
		}
		b.pools = append(b.pools, pool)
		b.setsLeft, b.descsLeft = setsPerPool, descsPerPool
	}
	b.setsLeft--
	b.descsLeft -= need
	return b.pools[len(b.pools)-1], nil
}
