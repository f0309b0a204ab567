// Package gpu is vkstyle's Vulkan compute runtime and the only package with
// cgo. It chooses a device, sub-allocates memory, builds compute kernels from
// SPIR-V, and records many dispatches into one command buffer that is
// submitted once per iteration.
//
// The nouns follow Kompute: a Device (instance, physical and logical device,
// queue, allocator, pipeline cache), Buffers (storage buffers carved out of
// large memory blocks), Kernels (SPIR-V module, descriptor layout, pipeline)
// and Batches (recorded dispatches with the barriers they need, submitted and
// waited on with a fence, reusable across iterations).
//
// Limits are queried, never assumed: a binding never exceeds
// maxStorageBufferRange (128 MiB on lavapipe), push constants never exceed
// maxPushConstantsSize, and work-group counts are split into two dimensions
// when they pass maxComputeWorkGroupCount. The vector kernels in vector.go
// split buffers larger than one binding across several dispatches.
//
// Environment:
//
//	VKSTYLE_DEVICE    device index or case-insensitive name substring
//	VKSTYLE_VALIDATE  1 turns on VK_LAYER_KHRONOS_validation; any warning or
//	                  error it reports is recorded (see Device.Validation)
//
// Every object has an idempotent Close, and the Device counts what is alive
// so tests can assert that nothing leaked.
package gpu
