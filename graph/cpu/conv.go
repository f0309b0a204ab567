package cpu

import "github.com/vkstyle/vkstyle/graph"

// source maps a coordinate of the padded input to the input: i itself
// inside [0, size), its mirror image with reflect padding, or ok = false
// for a zero-padding sample.
func source(i, size int, reflect bool) (j int, ok bool) {
	switch {
	case i >= 0 && i < size:
		return i, true
	case !reflect:
		return 0, false
	case i < 0:
		return -i, true
	default:
		return 2*(size-1) - i, true
	}
}

// convArgs checks p and returns the storage of the four conv operands
// (x, w or dw, y or dy) with their lengths checked.
func (b *Backend[T]) convArgs(kernel string, p graph.Conv2DParams, x, w, y graph.Buffer, xn, wn, yn string) (xd, wd, yd []T) {
	p.Check()
	return b.arg(kernel, xn, x, p.XShape().Len()), b.arg(kernel, wn, w, p.WShape().Len()), b.arg(kernel, yn, y, p.YShape().Len())
}

// forEachTap calls f(xi, wi, yi) for every (output, kernel tap) pair that
// reads a real input sample: the index into x, into w and into y. Padding
// taps of zero padding are skipped; reflect taps name the mirrored sample.
func forEachTap(p graph.Conv2DParams, f func(xi, wi, yi int)) {
	oh, ow := p.OutH(), p.OutW()
	for n := 0; n < p.N; n++ {
		for co := 0; co < p.COut; co++ {
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					yi := ((n*p.COut+co)*oh+oy)*ow + ox
					for ci := 0; ci < p.CIn; ci++ {
						for ky := 0; ky < p.KH; ky++ {
							iy, ok := source(oy*p.Stride-p.Pad+ky, p.H, p.Reflect)
							if !ok {
								continue
							}
							for kx := 0; kx < p.KW; kx++ {
								ix, ok := source(ox*p.Stride-p.Pad+kx, p.W, p.Reflect)
								if !ok {
									continue
								}
								f(((n*p.CIn+ci)*p.H+iy)*p.W+ix, ((co*p.CIn+ci)*p.KH+ky)*p.KW+kx, yi)
							}
						}
					}
				}
			}
		}
	}
}

// Conv2DForward sets y = conv(x, w) + bias; bias may be nil.
func (b *Backend[T]) Conv2DForward(x, w, bias, y graph.Buffer, p graph.Conv2DParams) {
	xd, wd, yd := b.convArgs("Conv2DForward", p, x, w, y, "x", "w", "y")
	acc := make([]float64, len(yd))
	if bias != nil {
		bd := b.arg("Conv2DForward", "bias", bias, p.COut)
		plane := p.OutH() * p.OutW()
		for i := range acc {
			acc[i] = float64(bd[i/plane%p.COut])
		}
	}
	forEachTap(p, func(xi, wi, yi int) { acc[yi] += float64(xd[xi]) * float64(wd[wi]) })
	for i, v := range acc {
		yd[i] = T(v)
	}
}

// Conv2DBackwardData accumulates dx += ∂L/∂x: each tap sends dy·w back to
// the input sample it read.
func (b *Backend[T]) Conv2DBackwardData(dy, w, dx graph.Buffer, p graph.Conv2DParams) {
	dxd, wd, dyd := b.convArgs("Conv2DBackwardData", p, dx, w, dy, "dx", "w", "dy")
	acc := make([]float64, len(dxd))
	forEachTap(p, func(xi, wi, yi int) { acc[xi] += float64(dyd[yi]) * float64(wd[wi]) })
	addTo(dxd, acc)
}

// Conv2DBackwardWeight accumulates dw += ∂L/∂w, summed over the batch.
func (b *Backend[T]) Conv2DBackwardWeight(x, dy, dw graph.Buffer, p graph.Conv2DParams) {
	xd, dwd, dyd := b.convArgs("Conv2DBackwardWeight", p, x, dw, dy, "x", "dw", "dy")
	acc := make([]float64, len(dwd))
	forEachTap(p, func(xi, wi, yi int) { acc[wi] += float64(dyd[yi]) * float64(xd[xi]) })
	addTo(dwd, acc)
}

// Conv2DBackwardBias accumulates db[co] += Σ dy[n,co,·,·].
func (b *Backend[T]) Conv2DBackwardBias(dy, db graph.Buffer, p graph.Conv2DParams) {
	p.Check()
	dyd := b.arg("Conv2DBackwardBias", "dy", dy, p.YShape().Len())
	dbd := b.arg("Conv2DBackwardBias", "db", db, p.COut)
	acc := make([]float64, p.COut)
	plane := p.OutH() * p.OutW()
	for i, v := range dyd {
		acc[i/plane%p.COut] += float64(v)
	}
	addTo(dbd, acc)
}

// addTo sets d[i] += acc[i], rounding once.
func addTo[T Float](d []T, acc []float64) {
	for i, v := range acc {
		d[i] = T(float64(d[i]) + v)
	}
}
