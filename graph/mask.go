package graph

// Mask returns x weighted per pixel by m, the same weight in every channel:
//
//	y[n,c,h,w] = x[n,c,h,w]·m[h,w]
//
// m is a Constant (or computed from Constants) of shape 1×1×H×W; it gets
// no gradient. A 0/1 mask restricts what follows to a region: the Gram
// matrix of a masked feature map sums over that region only (the guided
// Gram matrices of Gatys et al. 2017, and a tile's interior when a large
// image is evaluated tile by tile).
func (g *Graph) Mask(x, m *Tensor) *Tensor {
	g.begin("Mask", x, m)
	s := x.shape
	if want := NCHW(1, 1, s.H, s.W); m.shape != want {
		panicf("Mask: mask %s is %v; want %v for input %s (%v)", m.name, m.shape, want, x.name, s)
	}
	if m.requiresGrad {
		panicf("Mask: mask %s requires a gradient; masks must be constant", m.name)
	}
	y := g.output("mask", s, x)
	g.emit("MaskForward", false, list(x, m), list(y), func(b Backend) { b.MaskForward(x.buf, m.buf, y.buf, s) })
	g.record(list(x), list(y), func(gout []*Tensor) {
		gy, gx := gout[0], g.gradOf(x)
		g.emit("MaskBackward", true, list(gy, m), list(gx), func(b Backend) { b.MaskBackward(gy.buf, m.buf, gx.buf, s) })
	})
	return y
}
