#include "vkext.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

static PFN_vkGetInstanceProcAddr gipa = NULL;

int vkstyle_load(const char* lib, char* err, int errlen) {
	if (gipa != NULL) {
		return 1;
	}
	void* h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		const char* e = dlerror();
		strncpy(err, e ? e : "dlopen failed", errlen - 1);
		err[errlen - 1] = 0;
		return 0;
	}
	gipa = (PFN_vkGetInstanceProcAddr)dlsym(h, "vkGetInstanceProcAddr");
	if (gipa == NULL) {
		strncpy(err, "vkGetInstanceProcAddr not found", errlen - 1);
		err[errlen - 1] = 0;
		dlclose(h);
		return 0;
	}
	return 1;
}

void* vkstyle_get_instance_proc_addr(void) { return (void*)gipa; }

void vkstyle_query_ext(VkInstance inst, VkPhysicalDevice pd, uint32_t api, int exts, vkstyle_device_ext* out) {
	memset(out, 0, sizeof(*out));
	PFN_vkGetPhysicalDeviceProperties props1 =
		(PFN_vkGetPhysicalDeviceProperties)gipa(inst, "vkGetPhysicalDeviceProperties");
	PFN_vkGetPhysicalDeviceMemoryProperties mem1 =
		(PFN_vkGetPhysicalDeviceMemoryProperties)gipa(inst, "vkGetPhysicalDeviceMemoryProperties");
	PFN_vkGetPhysicalDeviceQueueFamilyProperties qf =
		(PFN_vkGetPhysicalDeviceQueueFamilyProperties)gipa(inst, "vkGetPhysicalDeviceQueueFamilyProperties");
	VkPhysicalDeviceProperties p1;
	props1(pd, &p1);
	out->api_version = p1.apiVersion;
	out->driver_version = p1.driverVersion;
	out->vendor_id = p1.vendorID;
	out->device_id = p1.deviceID;
	out->device_type = p1.deviceType;
	memcpy(out->device_name, p1.deviceName, VK_MAX_PHYSICAL_DEVICE_NAME_SIZE);
	memcpy(out->pipeline_cache_uuid, p1.pipelineCacheUUID, VK_UUID_SIZE);
	VkPhysicalDeviceLimits* l = &p1.limits;
	out->max_storage_buffer_range = l->maxStorageBufferRange;
	out->max_push_constants_size = l->maxPushConstantsSize;
	out->max_compute_shared_memory_size = l->maxComputeSharedMemorySize;
	for (int i = 0; i < 3; i++) {
		out->max_compute_work_group_count[i] = l->maxComputeWorkGroupCount[i];
		out->max_compute_work_group_size[i] = l->maxComputeWorkGroupSize[i];
	}
	out->max_compute_work_group_invocations = l->maxComputeWorkGroupInvocations;
	out->max_bound_descriptor_sets = l->maxBoundDescriptorSets;
	out->max_per_stage_storage_buffers = l->maxPerStageDescriptorStorageBuffers;
	out->max_per_stage_sampled_images = l->maxPerStageDescriptorSampledImages;
	out->max_texel_buffer_elements = l->maxTexelBufferElements;
	out->min_storage_buffer_offset_alignment = l->minStorageBufferOffsetAlignment;
	out->min_texel_buffer_offset_alignment = l->minTexelBufferOffsetAlignment;
	out->non_coherent_atom_size = l->nonCoherentAtomSize;
	out->timestamp_period = l->timestampPeriod;
	out->max_memory_allocation_size = 1ull << 30; // the Vulkan 1.0 guarantee; maintenance3 refines it

	VkPhysicalDeviceMemoryProperties mp;
	mem1(pd, &mp);
	out->memory_type_count = mp.memoryTypeCount;
	for (uint32_t i = 0; i < mp.memoryTypeCount; i++) {
		out->memory_type_flags[i] = mp.memoryTypes[i].propertyFlags;
		out->memory_type_heap[i] = mp.memoryTypes[i].heapIndex;
	}
	out->memory_heap_count = mp.memoryHeapCount;
	for (uint32_t i = 0; i < mp.memoryHeapCount; i++) {
		out->memory_heap_size[i] = mp.memoryHeaps[i].size;
		out->memory_heap_flags[i] = mp.memoryHeaps[i].flags;
	}

	out->compute_family = -1;
	uint32_t nq = 0;
	qf(pd, &nq, NULL);
	VkQueueFamilyProperties* qs = calloc(nq ? nq : 1, sizeof(VkQueueFamilyProperties));
	qf(pd, &nq, qs);
	// The first family with compute: on every common driver it also has
	// graphics, which the preview needs to present from the same queue.
	for (uint32_t i = 0; i < nq; i++) {
		if (qs[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
			out->compute_family = (int32_t)i;
			out->compute_timestamp_bits = qs[i].timestampValidBits;
			break;
		}
	}
	free(qs);
	PFN_vkGetPhysicalDeviceProperties2 props2 =
		(PFN_vkGetPhysicalDeviceProperties2)gipa(inst, "vkGetPhysicalDeviceProperties2");
	PFN_vkGetPhysicalDeviceFeatures2 feats2 =
		(PFN_vkGetPhysicalDeviceFeatures2)gipa(inst, "vkGetPhysicalDeviceFeatures2");
	PFN_vkGetPhysicalDeviceMemoryProperties2 mem2 =
		(PFN_vkGetPhysicalDeviceMemoryProperties2)gipa(inst, "vkGetPhysicalDeviceMemoryProperties2");
	if (props2 == NULL || feats2 == NULL || api < VK_API_VERSION_1_1) {
		return;
	}
	// Physical-device structures follow the device's version (or an
	// extension it supports), not the instance's: the driver properties
	// are core in 1.2, else VK_KHR_driver_properties (same structure).
	int driver = api >= VK_API_VERSION_1_2 || (exts & VKSTYLE_EXT_DRIVER_PROPERTIES);
	VkPhysicalDeviceSubgroupProperties sub = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
	VkPhysicalDeviceMaintenance3Properties m3 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES, .pNext = &sub};
	VkPhysicalDeviceDriverProperties drv = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
	VkPhysicalDeviceIDProperties idp = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES, .pNext = &m3};
	if (driver) {
		drv.pNext = &idp;
	}
	VkPhysicalDeviceProperties2 p = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
	p.pNext = driver ? (void*)&drv : (void*)&idp;
	props2(pd, &p);
	out->subgroup_size = sub.subgroupSize;
	out->subgroup_stages = sub.supportedStages;
	out->subgroup_ops = sub.supportedOperations;
	out->max_memory_allocation_size = m3.maxMemoryAllocationSize;
	memcpy(out->device_uuid, idp.deviceUUID, VK_UUID_SIZE);
	if (driver) {
		out->driver_id = drv.driverID;
		memcpy(out->driver_name, drv.driverName, VK_MAX_DRIVER_NAME_SIZE);
		memcpy(out->driver_info, drv.driverInfo, VK_MAX_DRIVER_INFO_SIZE);
	}

	// float16 arithmetic is core in 1.2, else VK_KHR_shader_float16_int8;
	// 16-bit storage is core in 1.1.
	int float16 = api >= VK_API_VERSION_1_2 || (exts & VKSTYLE_EXT_SHADER_FLOAT16_INT8);
	VkPhysicalDeviceShaderFloat16Int8Features f16 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
	VkPhysicalDevice16BitStorageFeatures s16 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
	if (float16) {
		s16.pNext = &f16;
	}
	VkPhysicalDeviceFeatures2 f = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &s16};
	feats2(pd, &f);
	out->shader_float16 = f16.shaderFloat16;
	out->storage_buffer16 = s16.storageBuffer16BitAccess;
	out->shader_float64 = f.features.shaderFloat64;

	if ((exts & VKSTYLE_EXT_MEMORY_BUDGET) && mem2 != NULL) {
		VkPhysicalDeviceMemoryBudgetPropertiesEXT b = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT};
		VkPhysicalDeviceMemoryProperties2 m = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2, .pNext = &b};
		mem2(pd, &m);
		out->has_budget = 1;
		for (int i = 0; i < VK_MAX_MEMORY_HEAPS; i++) {
			out->heap_budget[i] = b.heapBudget[i];
			out->heap_usage[i] = b.heapUsage[i];
		}
	}
}

// Implemented in Go (validate.go).
extern void vkstyleDebugMessage(int severity, int types, char* id, char* msg, uintptr_t handle);

static VKAPI_ATTR VkBool32 VKAPI_CALL debug_callback(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
	VkDebugUtilsMessageTypeFlagsEXT types, const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
	vkstyleDebugMessage((int)severity, (int)types, (char*)(data->pMessageIdName ? data->pMessageIdName : ""),
		(char*)(data->pMessage ? data->pMessage : ""), (uintptr_t)user);
	return VK_FALSE;
}

VkResult vkstyle_create_messenger(VkInstance inst, uintptr_t handle, VkDebugUtilsMessengerEXT* out) {
	PFN_vkCreateDebugUtilsMessengerEXT create =
		(PFN_vkCreateDebugUtilsMessengerEXT)gipa(inst, "vkCreateDebugUtilsMessengerEXT");
	if (create == NULL) {
		return VK_ERROR_EXTENSION_NOT_PRESENT;
	}
	VkDebugUtilsMessengerCreateInfoEXT ci = {.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
	ci.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
	ci.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
		VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
	ci.pfnUserCallback = debug_callback;
	ci.pUserData = (void*)handle;
	return create(inst, &ci, NULL, out);
}

void vkstyle_destroy_messenger(VkInstance inst, VkDebugUtilsMessengerEXT m) {
	PFN_vkDestroyDebugUtilsMessengerEXT destroy =
		(PFN_vkDestroyDebugUtilsMessengerEXT)gipa(inst, "vkDestroyDebugUtilsMessengerEXT");
	if (destroy != NULL && m != VK_NULL_HANDLE) {
		destroy(inst, m, NULL);
	}
}

static VkValidationFeatureEnableEXT enables[] = {
	VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT,
};
static VkValidationFeaturesEXT features = {
	.sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT,
	.enabledValidationFeatureCount = 1,
	.pEnabledValidationFeatures = enables,
};

void* vkstyle_validation_features(void) { return &features; }

