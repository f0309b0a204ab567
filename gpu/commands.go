package gpu

import (
	"math"

	vk "github.com/vulkan-go/vulkan"
)

// newCommandPool creates a command pool for the compute queue's family.
// A pool and its command buffers are externally synchronised: the device's
// own pool serves the goroutine that computes, and a swapchain, which may
// present from another goroutine, has a pool of its own.
func (d *Device) newCommandPool() (vk.CommandPool, error) {
	pci := vk.CommandPoolCreateInfo{
		SType:            vk.StructureTypeCommandPoolCreateInfo,
		Flags:            vk.CommandPoolCreateFlags(vk.CommandPoolCreateResetCommandBufferBit),
		QueueFamilyIndex: uint32(d.Info.ComputeFamily),
	}
	var pool vk.CommandPool
	defer pci.Free() // vulkan-go copied it into C memory: see cmem.go
	if err := check("vkCreateCommandPool", vk.CreateCommandPool(d.h, &pci, nil, &pool)); err != nil {
		return nil, err
	}
	return pool, nil
}

func (d *Device) newCommandBuffer(pool vk.CommandPool) (vk.CommandBuffer, error) {
	info := vk.CommandBufferAllocateInfo{
		SType:              vk.StructureTypeCommandBufferAllocateInfo,
		CommandPool:        pool,
		Level:              vk.CommandBufferLevelPrimary,
		CommandBufferCount: 1,
	}
	cmds := make([]vk.CommandBuffer, 1)
	defer info.Free() // vulkan-go copied it into C memory: see cmem.go
	if err := check("vkAllocateCommandBuffers", vk.AllocateCommandBuffers(d.h, &info, cmds)); err != nil {
		return nil, err
	}
	return cmds[0], nil
}

func (d *Device) newFence() (vk.Fence, error) {
	info := vk.FenceCreateInfo{SType: vk.StructureTypeFenceCreateInfo}
	var f vk.Fence
	defer info.Free() // vulkan-go copied it into C memory: see cmem.go
	if err := check("vkCreateFence", vk.CreateFence(d.h, &info, nil, &f)); err != nil {
		return nil, err
	}
	return f, nil
}

// submitWait submits cmds in order, one vkQueueSubmit each so that each is
// its own job for the kernel driver's watchdog, and waits on fence, which
// the last one signals, then resets the fence. A fence signal covers every
// command earlier in submission order, so the one wait covers them all.
// When a submission fails after earlier ones went through, it waits for
// the queue to go idle before returning, so the caller may reset them.
func (d *Device) submitWait(fence vk.Fence, cmds ...vk.CommandBuffer) error {
	for i, cmd := range cmds {
		var f vk.Fence
		if i == len(cmds)-1 {
			f = fence
		}
		if err := d.queueSubmit(cmd, nil, 0, nil, f); err != nil {
			if i > 0 {
				d.queueWaitIdle()
			}
			return err
		}
	}
	fences := []vk.Fence{fence}
	if err := check("vkWaitForFences", vk.WaitForFences(d.h, 1, fences, vk.True, math.MaxUint64)); err != nil {
		return err
	}
	return check("vkResetFences", vk.ResetFences(d.h, 1, fences))
}

// queueWaitIdle waits for the device's queue under queueMu.
func (d *Device) queueWaitIdle() error {
	d.queueMu.Lock()
	defer d.queueMu.Unlock()
	return check("vkQueueWaitIdle", vk.QueueWaitIdle(d.queue))
}

// runOnce records cmd with fn, submits it and waits.
func (d *Device) runOnce(cmd vk.CommandBuffer, fence vk.Fence, fn func(vk.CommandBuffer)) error {
	if err := check("vkResetCommandBuffer", vk.ResetCommandBuffer(cmd, 0)); err != nil {
		return err
	}
	if err := d.beginCommands(cmd, true); err != nil {
		return err
	}
	fn(cmd)
	if err := check("vkEndCommandBuffer", vk.EndCommandBuffer(cmd)); err != nil {
		return err
	}
	return d.submitWait(fence, cmd)
}

const (
	workStages  = vk.PipelineStageFlags(vk.PipelineStageComputeShaderBit | vk.PipelineStageTransferBit)
	writeAccess = vk.AccessFlags(vk.AccessShaderWriteBit | vk.AccessTransferWriteBit)
	anyAccess   = vk.AccessFlags(vk.AccessShaderReadBit | vk.AccessShaderWriteBit | vk.AccessTransferReadBit | vk.AccessTransferWriteBit)
)
