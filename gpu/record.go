package gpu

/*
#include "record.h"
#include <stdlib.h>
*/
import "C"

import (
	"fmt"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// deviceFns is a device's table of the entry points that record.c calls
// for every dispatch, barrier, copy and submission (see record.h for why
// these bypass vulkan-go). It lives in C memory and is freed on Close.
type deviceFns struct{ p *C.vkstyle_device_fns }

func loadDeviceFns(inst vk.Instance, dev vk.Device, present bool) (deviceFns, error) {
	p := (*C.vkstyle_device_fns)(C.calloc(1, C.sizeof_vkstyle_device_fns))
	var withPresent C.int
	if present {
		withPresent = 1
	}
	if missing := C.vkstyle_load_device_fns(C.VkInstance(unsafe.Pointer(inst)), C.VkDevice(unsafe.Pointer(dev)), withPresent, p); missing != nil {
		C.free(unsafe.Pointer(p))
		return deviceFns{}, fmt.Errorf("gpu: the device has no %s", C.GoString(missing))
	}
	return deviceFns{p}, nil
}

func (f *deviceFns) free() {
	if f.p != nil {
		C.free(unsafe.Pointer(f.p))
		f.p = nil
	}
}

// maxBindings is the most bindings a kernel may have (record.h).
const maxBindings = C.VKSTYLE_MAX_BINDINGS

func cCmd(cmd vk.CommandBuffer) C.VkCommandBuffer { return C.VkCommandBuffer(unsafe.Pointer(cmd)) }

// recordDispatch allocates a descriptor set for k from pool, writes binds
// into it (texel views of c components where formats[i] says so), binds
// it and k's pipeline (when bind), pushes push, and records the dispatch
// when groups is not zero. It returns the texel views it created, which
// the caller destroys once the work is done, on failure too.
func (d *Device) recordDispatch(cmd vk.CommandBuffer, pool vk.DescriptorPool, k *Kernel, bind bool, binds []Binding, formats []vk.Format, push []byte, groups [3]uint32, views []vk.BufferView) ([]vk.BufferView, error) {
	var cb [maxBindings]C.vkstyle_binding
	var cv [maxBindings]C.VkBufferView
	n := len(binds)
	if n > maxBindings {
		return views, fmt.Errorf("gpu: %s has %d bindings, more than %d", k.spec.Name, n, maxBindings)
	}
	for i, x := range binds {
		cb[i] = C.vkstyle_binding{
			buffer: C.VkBuffer(unsafe.Pointer(x.Buf.h)),
			offset: C.uint64_t(x.Offset),
			_range: C.uint64_t(x.Size),
			format: C.uint32_t(formats[i]),
		}
	}
	var pipeline C.VkPipeline
	if bind {
		pipeline = C.VkPipeline(unsafe.Pointer(k.pipeline))
	}
	var pushPtr unsafe.Pointer
	if len(push) > 0 {
		pushPtr = unsafe.Pointer(&push[0])
	}
	var bp *C.vkstyle_binding
	if n > 0 {
		bp = &cb[0]
	}
	r := C.vkstyle_record_dispatch(d.fns.p, C.VkDevice(unsafe.Pointer(d.h)), cCmd(cmd),
		C.VkDescriptorPool(unsafe.Pointer(pool)), C.VkDescriptorSetLayout(unsafe.Pointer(k.setLayout)),
		C.VkPipelineLayout(unsafe.Pointer(k.layout)), pipeline,
		C.uint32_t(n), bp, &cv[0], pushPtr, C.uint32_t(len(push)),
		C.uint32_t(groups[0]), C.uint32_t(groups[1]), C.uint32_t(groups[2]))
	for i := 0; i < n; i++ {
		if cv[i] != nil {
			views = append(views, vk.BufferView(unsafe.Pointer(cv[i])))
		}
	}
	return views, check("recording "+k.spec.Name, vk.Result(r))
}

// cmdDispatch records a dispatch of the kernel bound last.
func (d *Device) cmdDispatch(cmd vk.CommandBuffer, groups [3]uint32) {
	C.vkstyle_cmd_dispatch(d.fns.p, cCmd(cmd), C.uint32_t(groups[0]), C.uint32_t(groups[1]), C.uint32_t(groups[2]))
}

// fullBarrier orders every earlier compute or transfer write before every
// later compute or transfer access.
func (d *Device) fullBarrier(cmd vk.CommandBuffer) {
	C.vkstyle_cmd_memory_barrier(d.fns.p, cCmd(cmd), C.VkPipelineStageFlags(workStages), C.VkPipelineStageFlags(workStages),
		C.VkAccessFlags(writeAccess), C.VkAccessFlags(anyAccess))
}

// hostBarrier makes device writes visible to host reads after the fence.
func (d *Device) hostBarrier(cmd vk.CommandBuffer) {
	C.vkstyle_cmd_memory_barrier(d.fns.p, cCmd(cmd), C.VkPipelineStageFlags(workStages), C.VkPipelineStageFlags(vk.PipelineStageHostBit),
		C.VkAccessFlags(writeAccess), C.VkAccessFlags(vk.AccessHostReadBit))
}

// cmdCopy records a copy of size bytes from src at srcOff to dst at dstOff.
func (d *Device) cmdCopy(cmd vk.CommandBuffer, dst *Buffer, dstOff uint64, src *Buffer, srcOff uint64, size uint64) {
	C.vkstyle_cmd_copy_buffer(d.fns.p, cCmd(cmd), C.VkBuffer(unsafe.Pointer(src.h)), C.VkBuffer(unsafe.Pointer(dst.h)),
		C.uint64_t(srcOff), C.uint64_t(dstOff), C.uint64_t(size))
}

// cmdPresentCopy records the copy of width×height pixels from buf into
// the swapchain image img, with the barriers around it (record.h).
func (d *Device) cmdPresentCopy(cmd vk.CommandBuffer, img vk.Image, buf *Buffer, width, height uint32) {
	C.vkstyle_cmd_present_copy(d.fns.p, cCmd(cmd), C.VkBuffer(unsafe.Pointer(buf.h)), C.VkImage(unsafe.Pointer(img)),
		C.uint32_t(width), C.uint32_t(height), C.VkPipelineStageFlags(workStages), C.VkAccessFlags(writeAccess))
}

// beginCommands begins recording cmd (for one submission when oneTime).
func (d *Device) beginCommands(cmd vk.CommandBuffer, oneTime bool) error {
	var flags C.VkCommandBufferUsageFlags
	if oneTime {
		flags = C.VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT
	}
	return check("vkBeginCommandBuffer", vk.Result(C.vkstyle_begin_commands(d.fns.p, cCmd(cmd), flags)))
}

// queueSubmit submits cmd to the device's queue under queueMu, waiting on
// wait at waitStage and signalling signal where they are not nil, and
// signalling fence where it is not nil.
func (d *Device) queueSubmit(cmd vk.CommandBuffer, wait vk.Semaphore, waitStage vk.PipelineStageFlagBits, signal vk.Semaphore, fence vk.Fence) error {
	d.queueMu.Lock()
	defer d.queueMu.Unlock()
	r := C.vkstyle_queue_submit(d.fns.p, C.VkQueue(unsafe.Pointer(d.queue)), cCmd(cmd),
		C.VkSemaphore(unsafe.Pointer(wait)), C.VkPipelineStageFlags(waitStage), C.VkSemaphore(unsafe.Pointer(signal)), C.VkFence(unsafe.Pointer(fence)))
	return check("vkQueueSubmit", vk.Result(r))
}

// queuePresent presents image idx of swapchain sc once wait is signalled,
// under queueMu; the result is the driver's, for the caller to interpret.
func (d *Device) queuePresent(sc vk.Swapchain, idx uint32, wait vk.Semaphore) vk.Result {
	d.queueMu.Lock()
	defer d.queueMu.Unlock()
	return vk.Result(C.vkstyle_queue_present(d.fns.p, C.VkQueue(unsafe.Pointer(d.queue)), C.VkSwapchainKHR(unsafe.Pointer(sc)),
		C.uint32_t(idx), C.VkSemaphore(unsafe.Pointer(wait))))
}
