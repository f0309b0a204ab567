package vkgraph

import (
	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// ReLUForward sets y = max(x, 0) (shaders/relu_fwd.comp).
func (b *Backend) ReLUForward(x, y graph.Buffer) {
	x0, y0 := unwrap(x), unwrap(y)
	graph.CheckLen("ReLUForward", "y", y, x0.n)
	k := b.kernel(kReLUFwd, gpu.KernelSpec{Bindings: 2, PushSize: 4})
	for _, c := range b.flatChunks(x0.n, 1) {
		b.dispatchN(k, c[1], []uint32{uint32(c[1])}, elems(x0, c[0], c[1]), elems(y0, c[0], c[1]))
	}
}

// ReLUBackward accumulates dx += dy where y > 0 (shaders/relu_bwd.comp).
func (b *Backend) ReLUBackward(y, dy, dx graph.Buffer) {
	y0, dy0, dx0 := unwrap(y), unwrap(dy), unwrap(dx)
	graph.CheckLen("ReLUBackward", "dy", dy, y0.n)
	graph.CheckLen("ReLUBackward", "dx", dx, y0.n)
	k := b.kernel(kReLUBwd, gpu.KernelSpec{Bindings: 3, PushSize: 4})
	for _, c := range b.flatChunks(y0.n, 1) {
		b.dispatchN(k, c[1], []uint32{uint32(c[1])}, elems(y0, c[0], c[1]), elems(dy0, c[0], c[1]), elems(dx0, c[0], c[1]))
	}
}
