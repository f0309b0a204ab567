package gpu

/*
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

// limit_arenas caps glibc's malloc arenas at n (see cmem.go's init).
static void limit_arenas(int n) {
#if defined(__GLIBC__)
	mallopt(M_ARENA_MAX, n);
#endif
}

// c_heap_in_use is glibc's count of the C heap's bytes in use, or -1
// where mallinfo2 (glibc 2.33) is missing.
static long long c_heap_in_use(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	struct mallinfo2 m = mallinfo2();
	return (long long)(m.uordblks + m.hblkhd);
#else
	return -1;
#endif
}
*/
import "C"

import "unsafe"

// vulkan-go converts a struct passed by pointer (vk.CreateBufferView(dev,
// &info, …), vk.BeginCommandBuffer(cmd, &info), an output struct such as
// vk.MemoryRequirements) into a C copy through its PassRef method, and
// that copy, with the arrays it points to, is freed by the struct's Free
// method and by nothing else: no finalizer, no collection. Every call that
// takes such a pointer is therefore followed by a deferred info.Free()
// (after Deref for an output struct). Without it each dispatch leaked a
// few hundred bytes (a descriptor-set allocate info, a buffer-view create
// info, the command-buffer begin info of every submission): RSS grew
// ~100 KB per L-BFGS iteration at 64 px, whatever GOGC. Slices of structs
// (vk.UpdateDescriptorSets, vk.QueueSubmit, vk.CmdPipelineBarrier) go
// through conversions that free from a finalizer instead; they need
// gcfence.go, not Free; those made per dispatch are in record.c instead.

// cAlloc returns n bytes of C memory, for data that vulkan-go hands to the
// driver by pointer (cgo forbids passing Go memory that holds Go pointers,
// and C memory keeps the rule simple).
func cAlloc(n int) unsafe.Pointer {
	if n == 0 {
		n = 1
	}
	return C.calloc(1, C.size_t(n))
}

// cBytes copies b into new C memory.
func cBytes(b []byte) unsafe.Pointer {
	p := cAlloc(len(b))
	if len(b) > 0 {
		C.memcpy(p, unsafe.Pointer(&b[0]), C.size_t(len(b)))
	}
	return p
}

func cFree(p unsafe.Pointer) { C.free(p) }

// mallocArenas is the most malloc arenas glibc may keep. vulkan-go frees
// the C copies of struct slices (vk.UpdateDescriptorSets' writes, every
// barrier) from finalizers that each start a goroutine, so frees land on
// whatever thread runs them, and under load Go starts new threads for
// them. glibc's default gives each new thread an arena of its own, up to
// 8 per core, and keeps what is freed into it: over 800 iterations at
// 64 px the threads went from 15 to 33 and glibc's arenas grew 5.5 MB
// while the bytes in use stayed flat. Two arenas keep that memory in use.
const mallocArenas = 2

func init() { C.limit_arenas(mallocArenas) }

// cHeapInUse is the C heap's bytes in use (glibc's mallinfo2: uordblks +
// hblkhd), or -1 where glibc is older than 2.33; tests use it to check
// that a loop of Vulkan calls frees what vulkan-go allocates.
func cHeapInUse() int64 { return int64(C.c_heap_in_use()) }
