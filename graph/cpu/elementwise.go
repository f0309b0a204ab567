package cpu

import "github.com/vkstyle/vkstyle/graph"

// Fill sets every element of y to v.
func (b *Backend[T]) Fill(y graph.Buffer, v float32) {
	d := b.Data(y)
	for i := range d {
		d[i] = T(v)
	}
}

// Copy sets y = x.
func (b *Backend[T]) Copy(x, y graph.Buffer) {
	xd := b.Data(x)
	copy(b.arg("Copy", "y", y, len(xd)), xd)
}

// Axpy sets y += a·x.
func (b *Backend[T]) Axpy(x, y graph.Buffer, a float32) {
	xd := b.Data(x)
	yd := b.arg("Axpy", "y", y, len(xd))
	for i, v := range xd {
		yd[i] = T(float64(yd[i]) + float64(a)*float64(v))
	}
}

// Scale sets y *= a.
func (b *Backend[T]) Scale(y graph.Buffer, a float32) {
	d := b.Data(y)
	for i, v := range d {
		d[i] = T(float64(a) * float64(v))
	}
}
