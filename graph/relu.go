package graph

// ReLU returns max(x, 0) elementwise. Its backward reads the output, not
// x, so x can be recycled after the forward pass; relu'(0) = 0, like
// torch.
func (g *Graph) ReLU(x *Tensor) *Tensor {
	g.begin("ReLU", x)
	y := g.output("relu", x.shape, x)
	g.emit("ReLUForward", false, list(x), list(y), func(b Backend) { b.ReLUForward(x.buf, y.buf) })
	g.record(list(x), list(y), func(gout []*Tensor) {
		gy, gx := gout[0], g.gradOf(x)
		g.emit("ReLUBackward", true, list(y, gy), list(gx), func(b Backend) {
			b.ReLUBackward(y.buf, gy.buf, gx.buf)
		})
	})
	return y
}
