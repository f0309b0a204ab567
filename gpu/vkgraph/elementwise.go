package vkgraph

import "github.com/vkstyle/vkstyle/graph"

// The element-wise kernels use the gpu package's vector kernels, which
// already split buffers larger than one binding.

// Fill sets every element of dst to v.
func (b *Backend) Fill(dst graph.Buffer, v float32) {
	d := unwrap(dst)
	b.s.Fail(b.s.Batch().Fill(d.buf, d.n, v))
}

// Copy sets dst = src.
func (b *Backend) Copy(dst, src graph.Buffer) {
	d, s := unwrap(dst), unwrap(src)
	graph.CheckLen("Copy", "dst", dst, src.Len())
	b.s.Fail(b.s.Batch().CopyVec(d.buf, s.buf, s.n))
}

// Axpy sets y += a·x.
func (b *Backend) Axpy(y graph.Buffer, a float32, x graph.Buffer) {
	x0, y0 := unwrap(x), unwrap(y)
	graph.CheckLen("Axpy", "y", y, x.Len())
	b.s.Fail(b.s.Batch().Axpy(y0.buf, a, x0.buf, x0.n))
}

// Scale sets dst *= a.
func (b *Backend) Scale(dst graph.Buffer, a float32) {
	d := unwrap(dst)
	b.s.Fail(b.s.Batch().Scale(d.buf, a, d.buf, d.n))
}
