package cpu

import (
	"math"

	"github.com/vkstyle/vkstyle/graph"
)

// AbsSum sets out[0] = Σ |x|.
func (b *Backend[T]) AbsSum(x, out graph.Buffer) {
	xd := b.Data(x)
	od := b.arg("AbsSum", "out", out, 1)
	var sum float64
	for _, v := range xd {
		sum += math.Abs(float64(v))
	}
	od[0] = T(sum)
}

// AxpyNormalized accumulates dx += g·w/(norm[0] + w·eps).
func (b *Backend[T]) AxpyNormalized(g, norm, dx graph.Buffer, w, eps float32) {
	gd := b.Data(g)
	nd := b.arg("AxpyNormalized", "norm", norm, 1)
	dxd := b.arg("AxpyNormalized", "dx", dx, len(gd))
	s := float64(w) / (float64(nd[0]) + float64(w)*float64(eps))
	for i, v := range gd {
		dxd[i] = T(float64(dxd[i]) + float64(v)*s)
	}
}
