package cpu

import (
	"math"

	"github.com/vkstyle/vkstyle/graph"
)

// forEachWindow calls f(yi, xi) for every 2×2 window: the output index and
// the input indices of the window in scan order (0,0), (0,1), (1,0), (1,1).
func forEachWindow(s graph.Shape, f func(yi int, xi [4]int)) {
	forEachWindowOf(s, graph.PoolShape(s), f)
}

// forEachWindowOf is forEachWindow for output shape o: in ceil mode a
// window past the last row or column repeats the last one instead, and
// since a later element wins only if strictly greater, the maximum and
// its place are those of the elements inside, as torch computes them.
func forEachWindowOf(s, o graph.Shape, f func(yi int, xi [4]int)) {
	for nc := 0; nc < s.N*s.C; nc++ {
		for oy := 0; oy < o.H; oy++ {
			for ox := 0; ox < o.W; ox++ {
				i := (nc*s.H+2*oy)*s.W + 2*ox
				dx, dy := 1, s.W
				if 2*ox+1 >= s.W {
					dx = 0
				}
				if 2*oy+1 >= s.H {
					dy = 0
				}
				f((nc*o.H+oy)*o.W+ox, [4]int{i, i + dx, i + dy, i + dy + dx})
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

// MaxPool2x2CeilForward sets y to each ceil-mode window's maximum.
func (b *Backend[T]) MaxPool2x2CeilForward(x, y graph.Buffer, s graph.Shape) {
	const k = "MaxPool2x2CeilForward"
	xd, yd := b.arg(k, "x", x, s.Len()), b.arg(k, "y", y, graph.PoolShapeCeil(s).Len())
	forEachWindowOf(s, graph.PoolShapeCeil(s), func(yi int, xi [4]int) { yd[yi] = xd[xi[argmax(xd, xi)]] })
}

// MaxPool2x2CeilBackward accumulates dy into dx at each ceil-mode
// window's first maximum.
func (b *Backend[T]) MaxPool2x2CeilBackward(x, dy, dx graph.Buffer, s graph.Shape) {
	const k = "MaxPool2x2CeilBackward"
	xd, dyd := b.arg(k, "x", x, s.Len()), b.arg(k, "dy", dy, graph.PoolShapeCeil(s).Len())
	dxd := b.arg(k, "dx", dx, s.Len())
	forEachWindowOf(s, graph.PoolShapeCeil(s), func(yi int, xi [4]int) {
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

// L2Pool2x2Forward sets y to scale times each window's L2 norm.
func (b *Backend[T]) L2Pool2x2Forward(x, y graph.Buffer, s graph.Shape, scale float32) {
	xd, yd := b.poolArgs("L2Pool2x2Forward", s, x, y, "x", "y")
	forEachWindow(s, func(yi int, xi [4]int) { yd[yi] = T(float64(scale) * math.Sqrt(sumSquares(xd, xi))) })
}

// L2Pool2x2Backward accumulates dy·scale·x/‖window‖ into each element
// of the window; an all-zero window gets nothing.
func (b *Backend[T]) L2Pool2x2Backward(x, dy, dx graph.Buffer, s graph.Shape, scale float32) {
	xd, dyd := b.poolArgs("L2Pool2x2Backward", s, x, dy, "x", "dy")
	dxd := b.arg("L2Pool2x2Backward", "dx", dx, s.Len())
	forEachWindow(s, func(yi int, xi [4]int) {
		n := math.Sqrt(sumSquares(xd, xi))
		if n == 0 {
			return
		}
		g := float64(dyd[yi]) * float64(scale) / n
		for _, j := range xi {
			dxd[j] = T(float64(dxd[j]) + g*float64(xd[j]))
		}
	})
}

// sumSquares is the sum of the squares of the window xi of xd.
func sumSquares[T Float](xd []T, xi [4]int) float64 {
	var s float64
	for _, j := range xi {
		s += float64(xd[j]) * float64(xd[j])
	}
	return s
}
