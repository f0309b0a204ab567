// vkext.h: the few Vulkan entry points that vulkan-go does not wrap
// (loader, properties2 chains, memory budget, debug utils). Everything here
// goes through the vkGetInstanceProcAddr that vkstyle_load obtained, so it
// uses the same loader as vulkan-go.
#ifndef VKSTYLE_VKEXT_H
#define VKSTYLE_VKEXT_H

#include <stdint.h>
#include <vulkan/vulkan.h>

// vkstyle_load dlopens the named loader library; on failure it copies dlerror()
// into err and returns 0.
int vkstyle_load(const char* lib, char* err, int errlen);
void* vkstyle_get_instance_proc_addr(void);

typedef struct {
	uint32_t api_version;
	uint32_t driver_version;
	uint32_t vendor_id;
	uint32_t device_id;
	uint32_t device_type;
	char device_name[VK_MAX_PHYSICAL_DEVICE_NAME_SIZE];
	uint32_t max_storage_buffer_range;
	uint32_t max_push_constants_size;
	uint32_t max_compute_shared_memory_size;
	uint32_t max_compute_work_group_count[3];
	uint32_t max_compute_work_group_size[3];
	uint32_t max_compute_work_group_invocations;
	uint32_t max_bound_descriptor_sets;
	uint32_t max_per_stage_storage_buffers;
	uint32_t max_per_stage_sampled_images;
	uint32_t max_texel_buffer_elements;
	uint64_t min_storage_buffer_offset_alignment;
	uint64_t min_texel_buffer_offset_alignment;
	uint64_t non_coherent_atom_size;
	float timestamp_period;
	uint32_t memory_type_count;
	uint32_t memory_type_flags[VK_MAX_MEMORY_TYPES];
	uint32_t memory_type_heap[VK_MAX_MEMORY_TYPES];
	uint32_t memory_heap_count;
	uint64_t memory_heap_size[VK_MAX_MEMORY_HEAPS];
	uint32_t memory_heap_flags[VK_MAX_MEMORY_HEAPS];
	int32_t compute_family;          // -1 when the device has no compute queue
	uint32_t compute_timestamp_bits;
	uint32_t subgroup_size;
	uint32_t subgroup_stages;
	uint32_t subgroup_ops;
	uint32_t shader_float16;
	uint32_t storage_buffer16;
	uint32_t shader_float64;
	uint64_t max_memory_allocation_size;
	uint32_t driver_id;
	char driver_name[VK_MAX_DRIVER_NAME_SIZE];
	char driver_info[VK_MAX_DRIVER_INFO_SIZE];
	uint8_t pipeline_cache_uuid[VK_UUID_SIZE];
	uint8_t device_uuid[VK_UUID_SIZE];
	uint32_t has_budget;
	uint64_t heap_budget[VK_MAX_MEMORY_HEAPS];
	uint64_t heap_usage[VK_MAX_MEMORY_HEAPS];
} vkstyle_device_ext;

// Device extensions vkstyle_query_ext may use, as bits of its exts.
#define VKSTYLE_EXT_MEMORY_BUDGET 1      // VK_EXT_memory_budget
#define VKSTYLE_EXT_DRIVER_PROPERTIES 2  // VK_KHR_driver_properties
#define VKSTYLE_EXT_SHADER_FLOAT16_INT8 4 // VK_KHR_shader_float16_int8

// vkstyle_query_ext fills out through vkGetPhysicalDeviceProperties2 and
// friends. api is the device's API version (0 for only what Vulkan 1.0
// reports); exts says which VKSTYLE_EXT_* the device supports. A structure
// is chained only where the device's version or an extension it supports
// defines it: nothing past Vulkan 1.0 below 1.1, the driver properties
// and float16 features from 1.2 or their extensions.
void vkstyle_query_ext(VkInstance inst, VkPhysicalDevice pd, uint32_t api, int exts, vkstyle_device_ext* out);

// vkstyle_create_messenger installs a VK_EXT_debug_utils messenger that
// forwards warnings and errors to Go with the given handle.
VkResult vkstyle_create_messenger(VkInstance inst, uintptr_t handle, VkDebugUtilsMessengerEXT* out);
void vkstyle_destroy_messenger(VkInstance inst, VkDebugUtilsMessengerEXT m);

// vkstyle_validation_features returns a static VkValidationFeaturesEXT that
// enables synchronisation validation, to chain into VkInstanceCreateInfo.
void* vkstyle_validation_features(void);

#endif
