package graph

// ResizeParams describes a bilinear resize from N×C×InH×InW to
// N×C×OutH×OutW, exactly like torch.nn.functional.interpolate(x,
// size=(OutH, OutW), mode='bilinear', align_corners=False) without
// antialiasing. Along each axis, with in and out the sizes, output index o
// samples the source coordinate
//
//	src = max((o + 0.5)·in/out − 0.5, 0)
//	i0 = min(⌊src⌋, in−1), i1 = i0 + 1 if i0 < in−1 else i0
//	λ1 = src − i0, λ0 = 1 − λ1
//
// and y = Σ λ_a(y)·λ_b(x)·x[i_a(y), i_b(x)] over the four corners.
type ResizeParams struct {
	N, C       int
	InH, InW   int
	OutH, OutW int
}

// InShape returns the input shape.
func (p ResizeParams) InShape() Shape { return Shape{p.N, p.C, p.InH, p.InW} }

// OutShape returns the output shape.
func (p ResizeParams) OutShape() Shape { return Shape{p.N, p.C, p.OutH, p.OutW} }

// Check panics with a "graph:" message unless both shapes are valid.
func (p ResizeParams) Check() {
	if !p.InShape().Valid() || !p.OutShape().Valid() {
		panicf("BilinearResize: invalid sizes %v → %v", p.InShape(), p.OutShape())
	}
}

// Resize returns x resized to h×w by bilinear interpolation, like torch's
// interpolate(mode='bilinear', align_corners=False); see ResizeParams.
func (g *Graph) Resize(x *Tensor, h, w int) *Tensor {
	g.begin("Resize", x)
	s := x.shape
	p := ResizeParams{N: s.N, C: s.C, InH: s.H, InW: s.W, OutH: h, OutW: w}
	p.Check()
	y := g.output("resize", p.OutShape(), x)
	g.emit("BilinearResizeForward", false, list(x), list(y), func(b Backend) { b.BilinearResizeForward(x.buf, y.buf, p) })
	g.record(list(x), list(y), func(gout []*Tensor) {
		gy, gx := gout[0], g.gradOf(x)
		g.emit("BilinearResizeBackward", true, list(gy), list(gx), func(b Backend) {
			b.BilinearResizeBackward(gy.buf, gx.buf, p)
		})
	})
	return y
}
