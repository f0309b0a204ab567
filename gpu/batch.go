package gpu

import (
	"fmt"

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
