package graph

// UpsampleParams describes nearest-neighbour upsampling of an N×C×H×W
// tensor by the integer factor Scale:
//
//	y[n,c,oy,ox] = x[n,c,⌊oy/Scale⌋,⌊ox/Scale⌋]
//
// y is N×C×(H·Scale)×(W·Scale), like torch.nn.functional.interpolate(x,
// scale_factor=Scale, mode='nearest'). The backward sums each Scale×Scale
// block of dy into its source element.
type UpsampleParams struct {
	N, C, H, W int
	Scale      int
}

// InShape returns the input shape.
func (p UpsampleParams) InShape() Shape { return Shape{p.N, p.C, p.H, p.W} }

// OutShape returns the output shape.
func (p UpsampleParams) OutShape() Shape { return Shape{p.N, p.C, p.H * p.Scale, p.W * p.Scale} }

// Check panics with a "graph:" message unless the shapes are valid and
// Scale ≥ 1.
func (p UpsampleParams) Check() {
	if p.Scale < 1 || !p.InShape().Valid() || !p.OutShape().Valid() {
		panicf("UpsampleNearest: invalid input %v or scale %d", p.InShape(), p.Scale)
	}
}

// UpsampleNearest returns x enlarged scale times in both directions by
// repeating each element; see UpsampleParams.
func (g *Graph) UpsampleNearest(x *Tensor, scale int) *Tensor {
	g.begin("UpsampleNearest", x)
	s := x.shape
	p := UpsampleParams{N: s.N, C: s.C, H: s.H, W: s.W, Scale: scale}
	p.Check()
	y := g.output("upsample", p.OutShape(), x)
	g.emit("UpsampleNearestForward", false, list(x), list(y), func(b Backend) { b.UpsampleNearestForward(x.buf, y.buf, p) })
	g.record(list(x), list(y), func(gout []*Tensor) {
		gy, gx := gout[0], g.gradOf(x)
		g.emit("UpsampleNearestBackward", true, list(gy), list(gx), func(b Backend) {
			b.UpsampleNearestBackward(gy.buf, gx.buf, p)
		})
	})
	return y
}
