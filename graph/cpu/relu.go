package cpu

import "github.com/vkstyle/vkstyle/graph"

// ReLUForward sets y = max(x, 0).
func (b *Backend[T]) ReLUForward(x, y graph.Buffer) {
	xd := b.Data(x)
	yd := b.arg("ReLUForward", "y", y, len(xd))
	for i, v := range xd {
		if v > 0 {
			yd[i] = v
		} else {
			yd[i] = 0
		}
	}
}

// ReLUBackward accumulates dx += dy where y > 0; relu'(0) = 0.
func (b *Backend[T]) ReLUBackward(y, dy, dx graph.Buffer) {
	yd := b.Data(y)
	dyd := b.arg("ReLUBackward", "dy", dy, len(yd))
	dxd := b.arg("ReLUBackward", "dx", dx, len(yd))
	for i, v := range yd {
		if v > 0 {
			dxd[i] = T(float64(dxd[i]) + float64(dyd[i]))
		}
	}
}
