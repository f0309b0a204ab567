package graph

// Dot returns the Scalar Σ x·c over all elements of x and the Constant c
// (same shape): a loss linear in x, whose gradient is c. A quantity
// computed from many pieces (the Gram matrix of an image evaluated tile
// by tile) gets its loss's gradient through Dot: each piece's graph
// carries ∂L/∂(whole) as c, so its backward is the piece's share of the
// whole's.
func (g *Graph) Dot(x, c *Tensor) *Tensor {
	g.begin("Dot", x, c)
	if x.shape != c.shape {
		panicf("Dot: input %s is %v but %s is %v", x.name, x.shape, c.name, c.shape)
	}
	if c.requiresGrad {
		panicf("Dot: %s requires a gradient; the second operand must be constant", c.name)
	}
	y := g.output("dot", Scalar, x)
	g.emit("DotForward", false, list(x, c), list(y), func(b Backend) { b.DotForward(x.buf, c.buf, y.buf) })
	g.record(list(x), list(y), func(gout []*Tensor) {
		gy, gx := gout[0], g.gradOf(x)
		g.emit("DotBackward", true, list(c, gy), list(gx), func(b Backend) { b.DotBackward(c.buf, gy.buf, gx.buf) })
	})
	return y
}
