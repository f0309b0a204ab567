#include "record.h"

#include <string.h>

typedef PFN_vkVoidFunction (*gdpa_fn)(VkDevice, const char*);

// vkstyle_get_instance_proc_addr is in vkext.c.
extern void* vkstyle_get_instance_proc_addr(void);

const char* vkstyle_load_device_fns(VkInstance inst, VkDevice dev, int present, vkstyle_device_fns* f) {
	memset(f, 0, sizeof(*f));
	PFN_vkGetInstanceProcAddr gipa = (PFN_vkGetInstanceProcAddr)vkstyle_get_instance_proc_addr();
	if (gipa == NULL) {
		return "vkGetInstanceProcAddr";
	}
	gdpa_fn gdpa = (gdpa_fn)gipa(inst, "vkGetDeviceProcAddr");
	if (gdpa == NULL) {
		return "vkGetDeviceProcAddr";
	}
#define LOAD(field, name)                                  \
	f->field = (__typeof__(f->field))gdpa(dev, name);      \
	if (f->field == NULL) {                                \
		return name;                                       \
	}
	LOAD(allocate_descriptor_sets, "vkAllocateDescriptorSets");
	LOAD(update_descriptor_sets, "vkUpdateDescriptorSets");
	LOAD(create_buffer_view, "vkCreateBufferView");
	LOAD(begin_command_buffer, "vkBeginCommandBuffer");
	LOAD(cmd_bind_pipeline, "vkCmdBindPipeline");
	LOAD(cmd_bind_descriptor_sets, "vkCmdBindDescriptorSets");
	LOAD(cmd_push_constants, "vkCmdPushConstants");
	LOAD(cmd_dispatch, "vkCmdDispatch");
	LOAD(cmd_pipeline_barrier, "vkCmdPipelineBarrier");
	LOAD(cmd_copy_buffer, "vkCmdCopyBuffer");
	LOAD(cmd_copy_buffer_to_image, "vkCmdCopyBufferToImage");
	LOAD(queue_submit, "vkQueueSubmit");
	if (present) {
		LOAD(queue_present, "vkQueuePresentKHR");
	}
#undef LOAD
	return NULL;
}

VkResult vkstyle_record_dispatch(const vkstyle_device_fns* f, VkDevice dev, VkCommandBuffer cmd,
	VkDescriptorPool pool, VkDescriptorSetLayout set_layout, VkPipelineLayout layout, VkPipeline pipeline,
	uint32_t n, const vkstyle_binding* binds, VkBufferView* views,
	const void* push, uint32_t push_size, uint32_t gx, uint32_t gy, uint32_t gz) {
	if (n > VKSTYLE_MAX_BINDINGS) {
		return VK_ERROR_INITIALIZATION_FAILED;
	}
	VkDescriptorSetAllocateInfo ai = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
		.descriptorPool = pool,
		.descriptorSetCount = 1,
		.pSetLayouts = &set_layout,
	};
	VkDescriptorSet set = VK_NULL_HANDLE;
	VkResult r = f->allocate_descriptor_sets(dev, &ai, &set);
	if (r != VK_SUCCESS) {
		return r;
	}
	VkDescriptorBufferInfo infos[VKSTYLE_MAX_BINDINGS];
	VkWriteDescriptorSet writes[VKSTYLE_MAX_BINDINGS];
	for (uint32_t i = 0; i < n; i++) {
		views[i] = VK_NULL_HANDLE;
		VkWriteDescriptorSet w = {
			.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
			.dstSet = set,
			.dstBinding = i,
			.descriptorCount = 1,
		};
		if (binds[i].format != 0) {
			VkBufferViewCreateInfo vi = {
				.sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO,
				.buffer = binds[i].buffer,
				.format = (VkFormat)binds[i].format,
				.offset = binds[i].offset,
				.range = binds[i].range,
			};
			r = f->create_buffer_view(dev, &vi, NULL, &views[i]);
			if (r != VK_SUCCESS) {
				views[i] = VK_NULL_HANDLE;
				return r;
			}
			w.descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
			w.pTexelBufferView = &views[i];
		} else {
			infos[i] = (VkDescriptorBufferInfo){
				.buffer = binds[i].buffer,
				.offset = binds[i].offset,
				.range = binds[i].range,
			};
			w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
			w.pBufferInfo = &infos[i];
		}
		writes[i] = w;
	}
	f->update_descriptor_sets(dev, n, writes, 0, NULL);
	if (pipeline != VK_NULL_HANDLE) {
		f->cmd_bind_pipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
	}
	f->cmd_bind_descriptor_sets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, layout, 0, 1, &set, 0, NULL);
	if (push_size > 0) {
		f->cmd_push_constants(cmd, layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, push_size, push);
	}
	if (gx > 0) {
		f->cmd_dispatch(cmd, gx, gy, gz);
	}
	return VK_SUCCESS;
}

void vkstyle_cmd_dispatch(const vkstyle_device_fns* f, VkCommandBuffer cmd, uint32_t gx, uint32_t gy, uint32_t gz) {
	f->cmd_dispatch(cmd, gx, gy, gz);
}

void vkstyle_cmd_memory_barrier(const vkstyle_device_fns* f, VkCommandBuffer cmd,
	VkPipelineStageFlags src_stages, VkPipelineStageFlags dst_stages, VkAccessFlags src_access, VkAccessFlags dst_access) {
	VkMemoryBarrier mb = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
		.srcAccessMask = src_access,
		.dstAccessMask = dst_access,
	};
	f->cmd_pipeline_barrier(cmd, src_stages, dst_stages, 0, 1, &mb, 0, NULL, 0, NULL);
}

void vkstyle_cmd_copy_buffer(const vkstyle_device_fns* f, VkCommandBuffer cmd, VkBuffer src, VkBuffer dst,
	uint64_t src_offset, uint64_t dst_offset, uint64_t size) {
	VkBufferCopy region = {.srcOffset = src_offset, .dstOffset = dst_offset, .size = size};
	f->cmd_copy_buffer(cmd, src, dst, 1, &region);
}

void vkstyle_cmd_present_copy(const vkstyle_device_fns* f, VkCommandBuffer cmd, VkBuffer buffer, VkImage image,
	uint32_t width, uint32_t height, VkPipelineStageFlags src_stages, VkAccessFlags src_access) {
	VkImageSubresourceRange color = {
		.aspectMask = VK_IMAGE_ASPECT_COLOR_BIT,
		.levelCount = 1,
		.layerCount = 1,
	};
	VkMemoryBarrier mb = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
		.srcAccessMask = src_access,
		.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT,
	};
	// The image's old contents do not matter: from UNDEFINED.
	VkImageMemoryBarrier to_dst = {
		.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
		.dstAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
		.oldLayout = VK_IMAGE_LAYOUT_UNDEFINED,
		.newLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
		.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
		.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
		.image = image,
		.subresourceRange = color,
	};
	f->cmd_pipeline_barrier(cmd, src_stages, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &mb, 0, NULL, 1, &to_dst);
	VkBufferImageCopy region = {
		.imageSubresource = {.aspectMask = VK_IMAGE_ASPECT_COLOR_BIT, .layerCount = 1},
		.imageExtent = {.width = width, .height = height, .depth = 1},
	};
	f->cmd_copy_buffer_to_image(cmd, buffer, image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
	VkImageMemoryBarrier to_present = {
		.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
		.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
		.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
		.newLayout = VK_IMAGE_LAYOUT_PRESENT_SRC_KHR,
		.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
		.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
		.image = image,
		.subresourceRange = color,
	};
	f->cmd_pipeline_barrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, 0, 0, NULL, 0, NULL, 1, &to_present);
}

VkResult vkstyle_begin_commands(const vkstyle_device_fns* f, VkCommandBuffer cmd, VkCommandBufferUsageFlags flags) {
	VkCommandBufferBeginInfo info = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
		.flags = flags,
	};
	return f->begin_command_buffer(cmd, &info);
}

VkResult vkstyle_queue_submit(const vkstyle_device_fns* f, VkQueue queue, VkCommandBuffer cmd,
	VkSemaphore wait, VkPipelineStageFlags wait_stage, VkSemaphore signal, VkFence fence) {
	VkSubmitInfo info = {
		.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
		.commandBufferCount = 1,
		.pCommandBuffers = &cmd,
	};
	if (wait != VK_NULL_HANDLE) {
		info.waitSemaphoreCount = 1;
		info.pWaitSemaphores = &wait;
		info.pWaitDstStageMask = &wait_stage;
	}
	if (signal != VK_NULL_HANDLE) {
		info.signalSemaphoreCount = 1;
		info.pSignalSemaphores = &signal;
	}
	return f->queue_submit(queue, 1, &info, fence);
}

VkResult vkstyle_queue_present(const vkstyle_device_fns* f, VkQueue queue, VkSwapchainKHR swapchain, uint32_t index, VkSemaphore wait) {
	VkPresentInfoKHR info = {
		.sType = VK_STRUCTURE_TYPE_PRESENT_INFO_KHR,
		.waitSemaphoreCount = 1,
		.pWaitSemaphores = &wait,
		.swapchainCount = 1,
		.pSwapchains = &swapchain,
		.pImageIndices = &index,
	};
	return f->queue_present(queue, &info);
}
