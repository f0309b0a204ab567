package cpu

import "github.com/vkstyle/vkstyle/graph"

// forEachWindow calls f(yi, xi) for every 2×2 window: the output index and
// the input indices of the window in scan order (0,0), (0,1), (1,0), (1,1).
func forEachWindow(s graph.Shape, f func(yi int, xi [4]int)) {
	oh, ow := s.H/2, s.W/2
	for nc := 0; nc < s.N*s.C; nc++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				i := (nc*s.H+2*oy)*s.W + 2*ox
				f((nc*oh+oy)*ow+ox, [4]int{i, i + 1, i + s.W, i + s.W + 1})
			}
		}
	}
}

func (b *Backend[T]) poolArgs(kernel string, s graph.Shape, x, y graph.Buffer, xn, yn string) (xd, yd []T) {
	return b.arg(kernel, xn, x, s.Len()), b.arg(kernel, yn, y, graph.PoolShape(s).Len())
}

// argmax returns the position in xi of the window's first maximum.
func argmax[T Float](xd []T, xi [4]int) int {
	k := 0
	for j := 1; j < 4; j++ {
		if xd[xi[j]] > xd[xi[k]] {
			k = j
		}
	}
	return k
}

// MaxPool2x2Forward sets y to each window's maximum.
func (b *Backend[T]) MaxPool2x2Forward(x, y graph.Buffer, s graph.Shape) {
	xd, yd := b.poolArgs("MaxPool2x2Forward", s, x, y, "x", "y")
	forEachWindow(s, func(yi int, xi [4]int) { yd[yi] = xd[xi[argmax(xd, xi)]] })
}

// MaxPool2x2Backward accumulates dy into dx at each window's first maximum.
func (b *Backend[T]) MaxPool2x2Backward(x, dy, dx graph.Buffer, s graph.Shape) {
	xd, dyd := b.poolArgs("MaxPool2x2Backward", s, x, dy, "x", "dy")
	dxd := b.arg("MaxPool2x2Backward", "dx", dx, s.Len())
	forEachWindow(s, func(yi int, xi [4]int) {
		j := xi[argmax(xd, xi)]
		dxd[j] = T(float64(dxd[j]) + float64(dyd[yi]))
	})
}

// AvgPool2x2Forward sets y to each window's mean.
func (b *Backend[T]) AvgPool2x2Forward(x, y graph.Buffer, s graph.Shape) {
	xd, yd := b.poolArgs("AvgPool2x2Forward", s, x, y, "x", "y")
	forEachWindow(s, func(yi int, xi [4]int) {
		var sum float64
		for _, j := range xi {
			sum += float64(xd[j])
		}
		yd[yi] = T(sum / 4)
	})
}

// AvgPool2x2Backward accumulates dy/4 into each element of the window.
func (b *Backend[T]) AvgPool2x2Backward(dy, dx graph.Buffer, s graph.Shape) {
	dxd, dyd := b.poolArgs("AvgPool2x2Backward", s, dx, dy, "dx", "dy")
	forEachWindow(s, func(yi int, xi [4]int) {
		for _, j := range xi {
			dxd[j] = T(float64(dxd[j]) + float64(dyd[yi])/4)
		}
	})
}
