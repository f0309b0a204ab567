package gpu

import (
	"fmt"
	"time"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// Batch records many dispatches into a command buffer, with the barriers
// they need, and submits them at once. A recorded batch can be submitted
// again and again (one optimisation iteration per submission) until Reset.
//
// Barriers are derived from the bindings: before a dispatch that reads or
// writes a range written since the last barrier, or writes a range read
// since it, the batch inserts one compute-to-compute memory barrier.
// Independent dispatches run without one.
//
// Work that the recording code declares with Work is kept under the
// device's budget per submission (Options.SubmitGFLOP): the batch then
// records into several command buffers, cut between operations, and
// Submit submits them in order, one vkQueueSubmit each, with one fence
// wait at the end.
type Batch struct {
	dev   *Device
	pool  vk.CommandPool   // the pool the command buffers come from
	cmd   vk.CommandBuffer // the command buffer being recorded, cmds[used-1]
	cmds  []vk.CommandBuffer
	used  int // command buffers of this recording
	fence vk.Fence
	work  float64 // FLOPs declared (Work) into cmd
	cut   bool    // the next record starts a new command buffer

	pools     []vk.DescriptorPool
	setsLeft  uint32
	descsLeft uint32

	recording, ended bool
	written, read    []Binding // since the last barrier
	label            string
	labels           []string // per timed dispatch
	queries          []vk.QueryPool
	views            []vk.BufferView
	temps            []*Buffer
	bound            *Kernel // pipeline bound last
	dispatches       int
	barriers         int
	timings          []Timing
	closed           bool
}

// Timing is the GPU time of one dispatch of the last submission.
type Timing struct {
	Label string // the batch label at record time, else the kernel name
	Time  time.Duration
}

const (
	setsPerPool    = 256
	descsPerPool   = 2048
	queriesPerPool = 512 // 256 dispatches
)

// NewBatch creates an empty batch.
func (d *Device) NewBatch() (*Batch, error) { return d.newBatch(d.cmdPool) }

// newBatch creates an empty batch whose command buffer comes from pool.
func (d *Device) newBatch(pool vk.CommandPool) (*Batch, error) {
	defer holdGC()() // see gcfence.go
	b := &Batch{dev: d, pool: pool}
	var err error
	if b.cmd, err = d.newCommandBuffer(pool); err != nil {
		return nil, err
	}
	b.cmds = []vk.CommandBuffer{b.cmd}
	if b.fence, err = d.newFence(); err != nil {
		b.Close()
		return nil, err
	}
	d.track(b, "batch")
	return b, nil
}

// Dispatches is the number of dispatches recorded since the last Reset.
func (b *Batch) Dispatches() int { return b.dispatches }

// Barriers is the number of barriers recorded since the last Reset.
func (b *Batch) Barriers() int { return b.barriers }

// SetLabel names the dispatches recorded from now on in Timings; "" goes
// back to kernel names.
func (b *Batch) SetLabel(label string) { b.label = label }

// WithLabel sets the label and returns the function that restores the
// previous one: defer batch.WithLabel("optimiser")().
func (b *Batch) WithLabel(label string) (restore func()) {
	prev := b.label
	b.label = label
	return func() { b.label = prev }
}

func (b *Batch) begin() error {
	if b.closed {
		return fmt.Errorf("gpu: batch is closed")
	}
	if b.ended {
		return fmt.Errorf("gpu: batch was submitted; Reset it before recording more")
	}
	if b.recording && !b.cut {
		return nil
	}
	if b.recording {
		if err := check("vkEndCommandBuffer", vk.EndCommandBuffer(b.cmd)); err != nil {
			return err
		}
	}
	if b.used == len(b.cmds) {
		cmd, err := b.dev.newCommandBuffer(b.pool)
		if err != nil {
			return err
		}
		b.cmds = append(b.cmds, cmd)
	}
	b.cmd = b.cmds[b.used]
	if err := b.dev.beginCommands(b.cmd, false); err != nil {
		return err
	}
	b.used++
	b.recording, b.cut = true, false
	// Order this submission after whatever earlier submissions wrote: a
	// barrier orders all commands earlier in submission order, those of
	// earlier command buffers and submissions included.
	b.dev.fullBarrier(b.cmd)
	b.written, b.read = b.written[:0], b.read[:0]
	b.bound = nil
	return nil
}

// Work declares that the operation about to be recorded does about flops
// floating-point operations. When the work declared into the current
// command buffer already counts and flops would take it past the
// device's budget per submission (Options.SubmitGFLOP), the operation
// starts a new command buffer, submitted separately: submissions stay
// under the budget unless one operation alone exceeds it. Work that is
// never declared (element-wise kernels, copies) counts nothing.
func (b *Batch) Work(flops float64) {
	budget := b.dev.submitBudget
	if budget > 0 && b.recording && b.work > 0 && b.work+flops > budget {
		b.cut = true
		b.work = 0
	}
	b.work += flops
}

// Submissions is the number of command buffers, each its own
// vkQueueSubmit, that the recording holds: 1 unless Work cut it.
func (b *Batch) Submissions() int { return b.used }

// Temp returns a scratch buffer that lives until the batch is Reset or
// closed.
func (b *Batch) Temp(name string, size uint64) (*Buffer, error) {
	buf, err := b.dev.NewBuffer(name, size)
	if err != nil {
		return nil, err
	}
	b.temps = append(b.temps, buf)
	return buf, nil
}

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

// timestamp writes the start (or end) timestamp of the next timed dispatch.
func (b *Batch) timestamp(k *Kernel, start bool) (bool, error) {
	if !b.dev.Profiling() {
		return false, nil
	}
	q := uint32(2 * len(b.labels))
	if start {
		if int(q/queriesPerPool) >= len(b.queries) {
			defer holdGC()() // see gcfence.go
			info := vk.QueryPoolCreateInfo{
				SType:      vk.StructureTypeQueryPoolCreateInfo,
				QueryType:  vk.QueryTypeTimestamp,
				QueryCount: queriesPerPool,
			}
			var pool vk.QueryPool
			defer info.Free() // vulkan-go copied it into C memory: see cmem.go
			if err := check("vkCreateQueryPool", vk.CreateQueryPool(b.dev.h, &info, nil, &pool)); err != nil {
				return false, err
			}
			b.queries = append(b.queries, pool)
		}
		pool := b.queries[q/queriesPerPool]
		vk.CmdResetQueryPool(b.cmd, pool, q%queriesPerPool, 2)
		vk.CmdWriteTimestamp(b.cmd, vk.PipelineStageTopOfPipeBit, pool, q%queriesPerPool)
		return true, nil
	}
	q++
	vk.CmdWriteTimestamp(b.cmd, vk.PipelineStageBottomOfPipeBit, b.queries[q/queriesPerPool], q%queriesPerPool)
	label := b.label
	if label == "" {
		label = k.spec.Name
	}
	b.labels = append(b.labels, label)
	return true, nil
}

// Submit ends recording (on the first call after recording), submits the
// batch and waits for it. An empty batch does nothing.
func (b *Batch) Submit() error {
	defer holdGC()() // see gcfence.go
	if b.closed {
		return fmt.Errorf("gpu: batch is closed")
	}
	if !b.recording {
		return nil
	}
	if !b.ended {
		b.dev.hostBarrier(b.cmd)
		if err := check("vkEndCommandBuffer", vk.EndCommandBuffer(b.cmd)); err != nil {
			return err
		}
		b.ended = true
	}
	if err := b.dev.submitWait(b.fence, b.cmds[:b.used]...); err != nil {
		return err
	}
	return b.readTimings()
}

func (b *Batch) readTimings() error {
	b.timings = b.timings[:0]
	if len(b.labels) == 0 {
		return nil
	}
	period := float64(b.dev.Info.TimestampPeriod)
	mask := uint64(1)<<b.dev.Info.TimestampBits - 1
	if b.dev.Info.TimestampBits >= 64 {
		mask = ^uint64(0)
	}
	raw := make([]uint64, queriesPerPool)
	for p, pool := range b.queries {
		n := len(b.labels)*2 - p*queriesPerPool
		if n > queriesPerPool {
			n = queriesPerPool
		}
		flags := vk.QueryResultFlags(vk.QueryResult64Bit | vk.QueryResultWaitBit)
		if err := check("vkGetQueryPoolResults", vk.GetQueryPoolResults(b.dev.h, pool, 0, uint32(n), uint(8*n), unsafe.Pointer(&raw[0]), 8, flags)); err != nil {
			return err
		}
		for i := 0; i+1 < n; i += 2 {
			ticks := (raw[i+1] - raw[i]) & mask
			b.timings = append(b.timings, Timing{
				Label: b.labels[(p*queriesPerPool+i)/2],
				Time:  time.Duration(float64(ticks) * period),
			})
		}
	}
	return nil
}

// Timings returns the per-dispatch GPU times of the last submission when
// the device profiles (Options.Profile), in recording order. Dispatches
// that no barrier separates may overlap on the GPU.
func (b *Batch) Timings() []Timing { return b.timings }

// Reset discards the recording, its descriptor sets and its scratch buffers,
// so the batch can record anew.
func (b *Batch) Reset() error {
	defer holdGC()() // see gcfence.go
	if b.closed {
		return fmt.Errorf("gpu: batch is closed")
	}
	for _, cmd := range b.cmds[:b.used] {
		if err := check("vkResetCommandBuffer", vk.ResetCommandBuffer(cmd, 0)); err != nil {
			return err
		}
	}
	b.release()
	return nil
}

func (b *Batch) release() {
	for _, p := range b.pools {
		vk.DestroyDescriptorPool(b.dev.h, p, nil)
	}
	for _, q := range b.queries {
		vk.DestroyQueryPool(b.dev.h, q, nil)
	}
	for _, v := range b.views {
		vk.DestroyBufferView(b.dev.h, v, nil)
	}
	b.views = nil
	for _, t := range b.temps {
		t.Close()
	}
	b.pools, b.queries, b.temps = nil, nil, nil
	b.setsLeft, b.descsLeft = 0, 0
	b.recording, b.ended, b.cut = false, false, false
	b.used, b.work = 0, 0
	if len(b.cmds) > 0 {
		b.cmd = b.cmds[0]
	}
	b.written, b.read, b.labels, b.timings = nil, nil, nil, nil
	b.dispatches, b.barriers = 0, 0
	b.bound = nil
}

// Close frees the batch. It is safe to call twice.
func (b *Batch) Close() error {
	defer holdGC()() // see gcfence.go
	if b == nil || b.closed {
		return nil
	}
	b.closed = true
	d := b.dev
	if b.fence != nil {
		vk.DestroyFence(d.h, b.fence, nil)
		b.fence = nil
	}
	b.release()
	if len(b.cmds) > 0 {
		vk.FreeCommandBuffers(d.h, b.pool, uint32(len(b.cmds)), b.cmds)
		b.cmds, b.cmd = nil, nil
	}
	d.untrack(b)
	return nil
}
