// Package gpu is vkstyle's Vulkan compute runtime, and with the preview's
// window (GLFW, in cmd/vkstyle/preview) the only cgo in vkstyle: its C
// (vkext.c, record.c, cmem.go) calls what vulkan-go does not wrap, and the
// per-dispatch calls that must not allocate. It chooses a device,
// sub-allocates memory, builds compute kernels from SPIR-V, and records
// many dispatches into command buffers that are submitted together, with
// one wait, once per iteration.
//
// The nouns follow Kompute: a Device (instance, physical and logical device,
// queue, allocator, pipeline cache), Buffers (storage buffers carved out of
// large memory blocks), Kernels (SPIR-V module, descriptor layout, pipeline)
// and Batches (recorded dispatches with the barriers they need, submitted and
// waited on with a fence, reusable across iterations). A batch whose declared
// work (Batch.Work) passes the budget per submission is cut between
// operations into several submissions, so that no GPU job runs long enough
// for a driver's watchdog to reset the GPU (budget.go).
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
//	VKSTYLE_SUBMIT_GFLOP  the work budget of one submission in GFLOP
//	                  (default 20; 0 or less: one submission per batch)
//
// Every object has an idempotent Close, and the Device counts what is alive
// so tests can assert that nothing leaked.
package gpu
