package gpu

import (
	"runtime/debug"
	"sync"
)

// vulkan-go converts slices of structs (and of strings) into C arrays whose
// memory it frees from a finalizer on a local variable of the conversion
// function. That variable is unreachable as soon as the conversion
// returns, so a garbage collection during the Vulkan call that reads the
// arrays (vkCreateComputePipelines, vkUpdateDescriptorSets, vkQueueSubmit,
// vkCreateInstance, …) can free them under the driver: an intermittent
// use-after-free (seen here as SIGSEGV and std::bad_alloc inside lavapipe
// under load). Every entry point of this package that calls vulkan-go
// with such a slice therefore holds the collector off for its duration
// with holdGC. The calls are short; nothing large is allocated meanwhile.
// The calls made per dispatch, copy, barrier, submission and frame do
// not go through vulkan-go at all (record.c), so they need no fence.

var gcFence struct {
	mu    sync.Mutex
	depth int
	saved int
}

// holdGC disables the garbage collector until the returned function is
// called; holds nest. Use as: defer holdGC()().
func holdGC() (release func()) {
	gcFence.mu.Lock()
	if gcFence.depth == 0 {
		gcFence.saved = debug.SetGCPercent(-1)
	}
	gcFence.depth++
	gcFence.mu.Unlock()
	return func() {
		gcFence.mu.Lock()
		gcFence.depth--
		if gcFence.depth == 0 {
			debug.SetGCPercent(gcFence.saved)
		}
		gcFence.mu.Unlock()
	}
}
