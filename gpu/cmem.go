package gpu

/*
#include <stdlib.h>
#include <string.h>
*/
import "C"

import "unsafe"

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
