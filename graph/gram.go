package graph

// Gram returns the Gram matrices of x's feature maps, the style
// representation of Gatys, Ecker & Bethge (2015), "A Neural Algorithm of
// Artistic Style", eq. 3: for each batch element, with F the C×(H·W)
// matrix of x[n],
//
//	G = F·Fᵀ / (C·H·W)
//
// shaped N×1×C×C. The normalisation by C·H·W (the paper's 1/(4N²M²) is
// folded into the style weight) keeps style losses of different layers
// and image sizes comparable, as in neural-style-pt's GramMatrix/MSE.
func (g *Graph) Gram(x *Tensor) *Tensor {
	g.begin("Gram", x)
	s := x.shape
	y := g.output("gram", Shape{s.N, 1, s.C, s.C}, x)
	g.emit("GramForward", false, list(x), list(y), func(b Backend) { b.GramForward(x.buf, y.buf, s) })
	g.record(list(x), list(y), func(gout []*Tensor) {
		gy, gx := gout[0], g.gradOf(x)
		g.emit("GramBackward", true, list(x, gy), list(gx), func(b Backend) {
			b.GramBackward(x.buf, gy.buf, gx.buf, s)
		})
	})
	return y
}
