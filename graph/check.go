package graph

import "fmt"

// panicf panics with a programmer-error message prefixed "graph: ".
func panicf(format string, args ...any) {
	panic("graph: " + fmt.Sprintf(format, args...))
}

// CheckLen panics with a "graph:" message unless buffer b holds want
// elements. Backends call it to validate the buffers a kernel receives;
// kernel names the kernel and what the buffer's role ("x", "dw").
func CheckLen(kernel, what string, b Buffer, want int) {
	if b == nil {
		panicf("%s: %s is nil, want %d elements", kernel, what, want)
	}
	if n := b.Len(); n != want {
		panicf("%s: %s has %d elements, want %d", kernel, what, n, want)
	}
}

// checkShape panics unless the shape is valid.
func checkShape(op string, s Shape) {
	if !s.Valid() {
		panicf("%s: invalid shape %v", op, s)
	}
}
