package cpu

import (
	"fmt"

	"github.com/vkstyle/vkstyle/graph"
)

// Float is the element type of a Backend's storage.
type Float interface{ ~float32 | ~float64 }

// Backend is the reference backend. Kernels run immediately, on the
// calling goroutine. The zero value is not usable; call New or New64.
type Backend[T Float] struct {
	// Limit is the most bytes Alloc hands out at once, counting 4 bytes
	// per element whatever T is, like a float32 device; 0 means no limit.
	// It lets tests exercise allocation failures.
	Limit int64

	used int64
	live map[*buffer[T]]struct{}
}

var (
	_ graph.Backend = (*Backend[float32])(nil)
	_ graph.Backend = (*Backend[float64])(nil)
)

// New returns a backend storing float32, like a device.
func New() *Backend[float32] { return &Backend[float32]{live: map[*buffer[float32]]struct{}{}} }

// New64 returns a backend storing float64, for gradient checks.
func New64() *Backend[float64] { return &Backend[float64]{live: map[*buffer[float64]]struct{}{}} }

// buffer is a Backend's graph.Buffer.
type buffer[T Float] struct {
	name string
	n    int
	data []T // nil once freed
}

func (b *buffer[T]) Len() int       { return b.n }
func (b *buffer[T]) String() string { return fmt.Sprintf("%s[%d]", b.name, b.n) }

// Alloc returns a zeroed buffer of n elements, or an error if that would
// exceed Limit.
func (b *Backend[T]) Alloc(n int, name string) (graph.Buffer, error) {
	if n < 1 {
		panic(fmt.Sprintf("cpu: Alloc %s: length %d < 1", name, n))
	}
	bytes := 4 * int64(n)
	if b.Limit > 0 && b.used+bytes > b.Limit {
		return nil, fmt.Errorf("cpu: out of memory: %s needs %s, %s of %s in use",
			name, graph.FormatBytes(bytes), graph.FormatBytes(b.used), graph.FormatBytes(b.Limit))
	}
	b.used += bytes
	buf := &buffer[T]{name: name, n: n, data: make([]T, n)}
	b.live[buf] = struct{}{}
	return buf, nil
}

// Free releases buf; freeing twice is harmless.
func (b *Backend[T]) Free(buf graph.Buffer) {
	p := b.buf(buf)
	if p.data == nil {
		return
	}
	p.data = nil
	b.used -= 4 * int64(p.n)
	delete(b.live, p)
}

// Upload copies src into buf, converting to T.
func (b *Backend[T]) Upload(buf graph.Buffer, src []float32) error {
	d := b.Data(buf)
	if len(src) != len(d) {
		panic(fmt.Sprintf("cpu: Upload %v: %d values for %d elements", buf, len(src), len(d)))
	}
	for i, v := range src {
		d[i] = T(v)
	}
	return nil
}

// Download copies buf into dst, rounding to float32.
func (b *Backend[T]) Download(buf graph.Buffer, dst []float32) error {
	d := b.Data(buf)
	if len(dst) != len(d) {
		panic(fmt.Sprintf("cpu: Download %v: %d values for %d elements", buf, len(dst), len(d)))
	}
	for i, v := range d {
		dst[i] = float32(v)
	}
	return nil
}

// Flush returns nil: kernels have already run.
func (b *Backend[T]) Flush() error { return nil }

// Data returns the storage of buf for direct reading and writing. It
// panics if buf was freed or belongs to another backend.
func (b *Backend[T]) Data(buf graph.Buffer) []T {
	p := b.buf(buf)
	if p.data == nil {
		panic(fmt.Sprintf("cpu: use of freed buffer %v", p))
	}
	return p.data
}

// Live returns the number of buffers allocated and not freed, so tests can
// check that nothing leaked.
func (b *Backend[T]) Live() int { return len(b.live) }

func (b *Backend[T]) buf(buf graph.Buffer) *buffer[T] {
	p, ok := buf.(*buffer[T])
	if !ok {
		panic(fmt.Sprintf("cpu: buffer %v (%T) is not from this backend", buf, buf))
	}
	return p
}

// arg returns buf's storage after checking it holds want elements.
func (b *Backend[T]) arg(kernel, what string, buf graph.Buffer, want int) []T {
	graph.CheckLen(kernel, what, buf, want)
	return b.Data(buf)
}
