package vkoptim

import (
	"fmt"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/optim"
)

// Vector is an optim.Vector of float32 elements in a device buffer: the
// first Len elements of GPU().
type Vector struct {
	buf   *gpu.Buffer
	n     int
	owned bool // allocated by a Space, which closes the buffer on Free
	freed bool
}

var _ optim.Vector = (*Vector)(nil)

// Wrap makes a vector of the first n float32 elements of buf, for handing
// existing device data (the image tensor, its gradient) to an optimiser.
// The buffer stays the caller's: Free of the vector does not close it, and
// the caller must keep it open while the vector is in use. A wrapped vector
// works with any Space on buf's device. Wrap panics if buf is nil or holds
// fewer than n elements, or if n < 0.
func Wrap(buf *gpu.Buffer, n int) *Vector {
	if buf == nil {
		panic("vkoptim: Wrap: nil buffer")
	}
	if n < 0 || uint64(n)*4 > buf.Size() {
		panic(fmt.Sprintf("vkoptim: Wrap: %d elements do not fit buffer %q of %d bytes", n, buf.Name(), buf.Size()))
	}
	return &Vector{buf: buf, n: n}
}

// Len returns the number of elements.
func (v *Vector) Len() int { return v.n }

// GPU returns the device buffer holding the elements (nil once a Space
// has freed the vector).
func (v *Vector) GPU() *gpu.Buffer {
	if v.freed {
		return nil
	}
	return v.buf
}

// vec checks that x is a live *Vector and returns it.
func vec(x optim.Vector, op string) *Vector {
	v, ok := x.(*Vector)
	if !ok || v == nil {
		panic(fmt.Sprintf("vkoptim: Space.%s: vector of type %T, want *vkoptim.Vector", op, x))
	}
	if v.freed {
		panic(fmt.Sprintf("vkoptim: Space.%s: use of a freed vector", op))
	}
	return v
}

func sameLen(op string, a, b int) {
	if a != b {
		panic(fmt.Sprintf("vkoptim: Space.%s: length mismatch %d != %d", op, a, b))
	}
}
