package graph

// MaxSortPlane is the most elements a plane of SortPlanes or Gather may
// hold: their indices travel as float32 values, exact up to 2^24.
const MaxSortPlane = 1 << 24

// SortPlanes returns x with each H×W plane sorted ascending, its elements
// ordered by value and, among equal values, by their index in the plane
// (a total order, so every backend gives the same permutation). The
// sorted projections of Heitz et al. (2021), "A Sliced Wasserstein Loss
// for Neural Texture Synthesis", are SortPlanes of a 1×1 convolution with
// random directions. Its backward sends each sorted element's gradient
// back to the element it came from; the permutation is kept between the
// passes as a second, internal output.
func (g *Graph) SortPlanes(x *Tensor) *Tensor {
	g.begin("SortPlanes", x)
	s := x.shape
	if s.H*s.W > MaxSortPlane {
		panicf("SortPlanes: %s has planes of %d elements, over %d", x.name, s.H*s.W, MaxSortPlane)
	}
	y := g.output("sorted", s, x)
	perm := g.output("perm", s) // no gradient: indices
	g.emit("SortForward", false, list(x), list(y, perm), func(b Backend) { b.SortForward(x.buf, y.buf, perm.buf, s) })
	g.record(list(x), list(y), func(gout []*Tensor) {
		gy, gx := gout[0], g.gradOf(x)
		g.emit("SortBackward", true, list(perm, gy), list(gx), func(b Backend) { b.SortBackward(perm.buf, gy.buf, gx.buf, s) })
	})
	return y
}

// Gather returns the tensor of shape out whose planes take their
// elements from x's planes (the same N·C of them) at the indices idx:
//
//	y[p, i] = x[p, idx[i]]
//
// idx is a Constant of out.H·out.W elements holding plane indices as
// float32 values. It stretches a style's sorted projections to the length
// of the image's, and picks a region's positions out of a feature map.
// When x needs a gradient, the indices must be distinct (a selection):
// the backward adds dy[p, i] into dx[p, idx[i]], one element each.
func (g *Graph) Gather(x, idx *Tensor, out Shape) *Tensor {
	g.begin("Gather", x, idx)
	s := x.shape
	switch {
	case out.N != s.N || out.C != s.C:
		panicf("Gather: output %v has other planes than input %s (%v)", out, x.name, s)
	case idx.shape.Len() != out.H*out.W:
		panicf("Gather: %d indices for planes of %d", idx.shape.Len(), out.H*out.W)
	case idx.requiresGrad:
		panicf("Gather: indices %s require a gradient; they must be constant", idx.name)
	case s.H*s.W > MaxSortPlane:
		panicf("Gather: %s has planes of %d elements, over %d", x.name, s.H*s.W, MaxSortPlane)
	}
	y := g.output("gather", out, x)
	g.emit("GatherForward", false, list(x, idx), list(y), func(b Backend) { b.GatherForward(x.buf, idx.buf, y.buf, s, out) })
	g.record(list(x), list(y), func(gout []*Tensor) {
		gy, gx := gout[0], g.gradOf(x)
		g.emit("GatherBackward", true, list(idx, gy), list(gx), func(b Backend) { b.GatherBackward(idx.buf, gy.buf, gx.buf, s, out) })
	})
	return y
}
