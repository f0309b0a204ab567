package vkgraph

import "github.com/vkstyle/vkstyle/graph"

// The element-wise kernels use the gpu package's vector kernels, which
// already split buffers larger than one binding.

// Fill sets every element of y to v.
func (b *Backend) Fill(y graph.Buffer, v float32) {
	y0 := unwrap(y)
	b.s.Fail(b.s.Batch().Fill(y0.buf, y0.n, v))
}

// Copy sets y = x.
func (b *Backend) Copy(x, y graph.Buffer) {
	x0, y0 := unwrap(x), unwrap(y)
	graph.CheckLen("Copy", "y", y, x.Len())
	b.s.Fail(b.s.Batch().CopyVec(y0.buf, x0.buf, x0.n))
}

// Axpy sets y += a·x.
func (b *Backend) Axpy(x, y graph.Buffer, a float32) {
	x0, y0 := unwrap(x), unwrap(y)
	graph.CheckLen("Axpy", "y", y, x.Len())
	b.s.Fail(b.s.Batch().Axpy(y0.buf, a, x0.buf, x0.n))
}

// Scale sets y *= a.
func (b *Backend) Scale(y graph.Buffer, a float32) {
	y0 := unwrap(y)
	b.s.Fail(b.s.Batch().Scale(y0.buf, a, y0.buf, y0.n))
}
