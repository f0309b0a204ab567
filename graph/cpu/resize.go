package cpu

import (
	"math"

	"github.com/vkstyle/vkstyle/graph"
)

// taps returns, for output index o of an axis resized from in to out, the
// two source indices and their weights, as torch's bilinear interpolation
// with align_corners=False computes them (see graph.ResizeParams).
func taps(o, in, out int) (i0, i1 int, l0, l1 float64) {
	src := max((float64(o)+0.5)*float64(in)/float64(out)-0.5, 0)
	i0 = min(int(math.Floor(src)), in-1)
	i1 = i0
	if i0 < in-1 {
		i1++
	}
	l1 = src - float64(i0)
	return i0, i1, 1 - l1, l1
}

// forEachSample calls f(yi, xi, weight) for the four weighted source
// samples of every output element.
func forEachSample(p graph.ResizeParams, f func(yi, xi int, w float64)) {
	for nc := 0; nc < p.N*p.C; nc++ {
		for oy := 0; oy < p.OutH; oy++ {
			y0, y1, ly0, ly1 := taps(oy, p.InH, p.OutH)
			for ox := 0; ox < p.OutW; ox++ {
				x0, x1, lx0, lx1 := taps(ox, p.InW, p.OutW)
				yi, base := (nc*p.OutH+oy)*p.OutW+ox, nc*p.InH*p.InW
				f(yi, base+y0*p.InW+x0, ly0*lx0)
				f(yi, base+y0*p.InW+x1, ly0*lx1)
				f(yi, base+y1*p.InW+x0, ly1*lx0)
				f(yi, base+y1*p.InW+x1, ly1*lx1)
			}
		}
	}
}

func (b *Backend[T]) resizeArgs(kernel string, p graph.ResizeParams, x, y graph.Buffer, xn, yn string) (xd, yd []T) {
	p.Check()
	return b.arg(kernel, xn, x, p.InShape().Len()), b.arg(kernel, yn, y, p.OutShape().Len())
}

// BilinearResizeForward sets y to the bilinear resize of x.
func (b *Backend[T]) BilinearResizeForward(x, y graph.Buffer, p graph.ResizeParams) {
	xd, yd := b.resizeArgs("BilinearResizeForward", p, x, y, "x", "y")
	acc := make([]float64, len(yd))
	forEachSample(p, func(yi, xi int, w float64) { acc[yi] += w * float64(xd[xi]) })
	for i, v := range acc {
		yd[i] = T(v)
	}
}

// BilinearResizeBackward accumulates into dx the transposed interpolation
// of dy.
func (b *Backend[T]) BilinearResizeBackward(dy, dx graph.Buffer, p graph.ResizeParams) {
	dxd, dyd := b.resizeArgs("BilinearResizeBackward", p, dx, dy, "dx", "dy")
	acc := make([]float64, len(dxd))
	forEachSample(p, func(yi, xi int, w float64) { acc[xi] += w * float64(dyd[yi]) })
	addTo(dxd, acc)
}
