package cpu

import "github.com/vkstyle/vkstyle/graph"

// MaskForward sets y = x·m per plane.
func (b *Backend[T]) MaskForward(x, m, y graph.Buffer, s graph.Shape) {
	const k = "MaskForward"
	plane := s.H * s.W
	xd, md, yd := b.arg(k, "x", x, s.Len()), b.arg(k, "m", m, plane), b.arg(k, "y", y, s.Len())
	for i := range yd {
		yd[i] = xd[i] * md[i%plane]
	}
}

// MaskBackward accumulates dx += dy·m per plane.
func (b *Backend[T]) MaskBackward(dy, m, dx graph.Buffer, s graph.Shape) {
	const k = "MaskBackward"
	plane := s.H * s.W
	dyd, md, dxd := b.arg(k, "dy", dy, s.Len()), b.arg(k, "m", m, plane), b.arg(k, "dx", dx, s.Len())
	for i := range dxd {
		dxd[i] += dyd[i] * md[i%plane]
	}
}
