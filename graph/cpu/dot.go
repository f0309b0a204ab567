package cpu

import "github.com/vkstyle/vkstyle/graph"

// DotForward sets out[0] = Σ x·c, summed in float64.
func (b *Backend[T]) DotForward(x, c, out graph.Buffer) {
	const k = "DotForward"
	xd := b.Data(x)
	cd, od := b.arg(k, "c", c, len(xd)), b.arg(k, "out", out, 1)
	var s float64
	for i, v := range xd {
		s += float64(v) * float64(cd[i])
	}
	od[0] = T(s)
}

// DotBackward accumulates dx += dout[0]·c.
func (b *Backend[T]) DotBackward(c, dout, dx graph.Buffer) {
	const k = "DotBackward"
	cd := b.Data(c)
	od, dxd := b.arg(k, "dout", dout, 1), b.arg(k, "dx", dx, len(cd))
	for i, v := range cd {
		dxd[i] = T(float64(dxd[i]) + float64(od[0])*float64(v))
	}
}
