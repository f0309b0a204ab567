package cpu

import "github.com/vkstyle/vkstyle/graph"

// UpsampleNearestForward sets y[oy, ox] = x[oy/Scale, ox/Scale] per plane.
func (b *Backend[T]) UpsampleNearestForward(x, y graph.Buffer, p graph.UpsampleParams) {
	const k = "UpsampleNearestForward"
	p.Check()
	xd, yd := b.arg(k, "x", x, p.InShape().Len()), b.arg(k, "y", y, p.OutShape().Len())
	oh, ow := p.H*p.Scale, p.W*p.Scale
	for i := range yd {
		nc, r := i/(oh*ow), i%(oh*ow)
		yd[i] = xd[(nc*p.H+r/ow/p.Scale)*p.W+r%ow/p.Scale]
	}
}

// UpsampleNearestBackward accumulates into each element of dx the sum of
// its Scale×Scale block of dy, added in row-major order.
func (b *Backend[T]) UpsampleNearestBackward(dy, dx graph.Buffer, p graph.UpsampleParams) {
	const k = "UpsampleNearestBackward"
	p.Check()
	dyd, dxd := b.arg(k, "dy", dy, p.OutShape().Len()), b.arg(k, "dx", dx, p.InShape().Len())
	ow := p.W * p.Scale
	for i := range dxd {
		nc, r := i/(p.H*p.W), i%(p.H*p.W)
		y0, x0 := r/p.W*p.Scale, r%p.W*p.Scale
		var s float64
		for a := 0; a < p.Scale; a++ {
			row := (nc*p.H*p.Scale + y0 + a) * ow
			for c := 0; c < p.Scale; c++ {
				s += float64(dyd[row+x0+c])
			}
		}
		dxd[i] = T(float64(dxd[i]) + s)
	}
}
