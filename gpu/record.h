// record.h: the Vulkan calls made for every dispatch, barrier, copy and
// submission, called from C through the device's own function pointers.
//
// vulkan-go converts a slice of structs (descriptor writes, barriers,
// submit infos, copy regions) into C arrays that it frees from finalizers:
// each such call left garbage for the collector, started goroutines for
// the frees, and had to hold the collector off (gcfence.go) so that the
// arrays would outlive the call. These functions build those structs on
// the C stack instead, so the hot path allocates nothing that outlives a
// call and needs no collector fence. Function pointers come from
// vkGetDeviceProcAddr, so the validation layer sees every call.
#ifndef VKSTYLE_RECORD_H
#define VKSTYLE_RECORD_H

#include <stdint.h>
#include <vulkan/vulkan.h>

typedef struct {
	PFN_vkAllocateDescriptorSets allocate_descriptor_sets;
	PFN_vkUpdateDescriptorSets update_descriptor_sets;
	PFN_vkCreateBufferView create_buffer_view;
	PFN_vkBeginCommandBuffer begin_command_buffer;
	PFN_vkCmdBindPipeline cmd_bind_pipeline;
	PFN_vkCmdBindDescriptorSets cmd_bind_descriptor_sets;
	PFN_vkCmdPushConstants cmd_push_constants;
	PFN_vkCmdDispatch cmd_dispatch;
	PFN_vkCmdPipelineBarrier cmd_pipeline_barrier;
	PFN_vkCmdCopyBuffer cmd_copy_buffer;
	PFN_vkCmdCopyBufferToImage cmd_copy_buffer_to_image;
	PFN_vkQueueSubmit queue_submit;
	PFN_vkQueuePresentKHR queue_present; // NULL without VK_KHR_swapchain
} vkstyle_device_fns;

// vkstyle_load_device_fns fills f for dev; it returns the name of the first
// entry point the device lacks, or NULL when all are there (the present
// entry point only when present is nonzero).
const char* vkstyle_load_device_fns(VkInstance inst, VkDevice dev, int present, vkstyle_device_fns* f);

// The most bindings one dispatch may have (kernel.go checks kernels
// against it when they are built).
#define VKSTYLE_MAX_BINDINGS 16

// One binding of a dispatch: a storage buffer when format is 0, else a
// uniform texel buffer of that VkFormat over the same range.
typedef struct {
	VkBuffer buffer;
	uint64_t offset;
	uint64_t range;
	uint32_t format;
} vkstyle_binding;

// vkstyle_record_dispatch allocates a descriptor set of set_layout from
// pool, creates the texel-buffer views (returned in views[i], 0 for a
// storage binding; the caller destroys them once the work is done, those
// created before a failure too), writes the set, binds it (and pipeline,
// unless 0), pushes push_size bytes of push constants, and records the
// dispatch unless gx is 0 (the caller then records it, after a
// timestamp). It returns the first failure's VkResult.
VkResult vkstyle_record_dispatch(const vkstyle_device_fns* f, VkDevice dev, VkCommandBuffer cmd,
	VkDescriptorPool pool, VkDescriptorSetLayout set_layout, VkPipelineLayout layout, VkPipeline pipeline,
	uint32_t n, const vkstyle_binding* binds, VkBufferView* views,
	const void* push, uint32_t push_size, uint32_t gx, uint32_t gy, uint32_t gz);

// vkstyle_cmd_dispatch records a dispatch.
void vkstyle_cmd_dispatch(const vkstyle_device_fns* f, VkCommandBuffer cmd, uint32_t gx, uint32_t gy, uint32_t gz);

// vkstyle_cmd_memory_barrier records one global memory barrier.
void vkstyle_cmd_memory_barrier(const vkstyle_device_fns* f, VkCommandBuffer cmd,
	VkPipelineStageFlags src_stages, VkPipelineStageFlags dst_stages, VkAccessFlags src_access, VkAccessFlags dst_access);

// vkstyle_cmd_copy_buffer records one buffer-to-buffer copy region.
void vkstyle_cmd_copy_buffer(const vkstyle_device_fns* f, VkCommandBuffer cmd, VkBuffer src, VkBuffer dst,
	uint64_t src_offset, uint64_t dst_offset, uint64_t size);

// vkstyle_cmd_present_copy records what a frame needs around the copy of
// width×height pixels from buffer into a swapchain image: the kernels'
// writes before the copy, the image into the copy's layout, the copy, and
// the image into the presentation layout.
void vkstyle_cmd_present_copy(const vkstyle_device_fns* f, VkCommandBuffer cmd, VkBuffer buffer, VkImage image,
	uint32_t width, uint32_t height, VkPipelineStageFlags src_stages, VkAccessFlags src_access);

// vkstyle_begin_commands begins recording cmd with the given usage flags.
VkResult vkstyle_begin_commands(const vkstyle_device_fns* f, VkCommandBuffer cmd, VkCommandBufferUsageFlags flags);

// vkstyle_queue_submit submits one command buffer, waiting on wait (at
// wait_stage) unless it is 0 and signalling signal unless it is 0; fence
// may be 0.
VkResult vkstyle_queue_submit(const vkstyle_device_fns* f, VkQueue queue, VkCommandBuffer cmd,
	VkSemaphore wait, VkPipelineStageFlags wait_stage, VkSemaphore signal, VkFence fence);

// vkstyle_queue_present presents image index of swapchain after wait.
VkResult vkstyle_queue_present(const vkstyle_device_fns* f, VkQueue queue, VkSwapchainKHR swapchain, uint32_t index, VkSemaphore wait);

#endif
