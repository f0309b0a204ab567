package cpu

import "github.com/vkstyle/vkstyle/graph"

// Fill sets every element of dst to v.
func (b *Backend[T]) Fill(dst graph.Buffer, v float32) {
	d := b.Data(dst)
	for i := range d {
		d[i] = T(v)
	}
}

// Copy sets dst = src.
func (b *Backend[T]) Copy(dst, src graph.Buffer) {
	sd := b.Data(src)
	copy(b.arg("Copy", "dst", dst, len(sd)), sd)
}

// Axpy sets y += a·x.
func (b *Backend[T]) Axpy(y graph.Buffer, a float32, x graph.Buffer) {
	xd := b.Data(x)
	yd := b.arg("Axpy", "y", y, len(xd))
	for i, v := range xd {
		yd[i] = T(float64(yd[i]) + float64(a)*float64(v))
	}
}

// Scale sets dst *= a.
func (b *Backend[T]) Scale(dst graph.Buffer, a float32) {
	d := b.Data(dst)
	for i, v := range d {
		d[i] = T(float64(a) * float64(v))
	}
}
