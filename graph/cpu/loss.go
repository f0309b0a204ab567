package cpu

import "github.com/vkstyle/vkstyle/graph"

// MSEForward sets loss[0] = Σ (x−t)²/n.
func (b *Backend[T]) MSEForward(x, t, loss graph.Buffer) {
	xd := b.Data(x)
	td := b.arg("MSEForward", "t", t, len(xd))
	ld := b.arg("MSEForward", "loss", loss, 1)
	var sum float64
	for i, v := range xd {
		d := float64(v) - float64(td[i])
		sum += d * d
	}
	ld[0] = T(sum / float64(len(xd)))
}

// MSEBackward accumulates dx += dloss·2(x−t)/n.
func (b *Backend[T]) MSEBackward(x, t, dloss, dx graph.Buffer) {
	xd := b.Data(x)
	td := b.arg("MSEBackward", "t", t, len(xd))
	dl := float64(b.arg("MSEBackward", "dloss", dloss, 1)[0])
	dxd := b.arg("MSEBackward", "dx", dx, len(xd))
	for i, v := range xd {
		dxd[i] = T(float64(dxd[i]) + dl*2*(float64(v)-float64(td[i]))/float64(len(xd)))
	}
}

// forEachPair calls f(a, b) for the indices of every vertically and every
// horizontally adjacent pair of pixels, b below or right of a.
func forEachPair(s graph.Shape, f func(a, b int)) {
	for nc := 0; nc < s.N*s.C; nc++ {
		for h := 0; h < s.H; h++ {
			for w := 0; w < s.W; w++ {
				i := (nc*s.H+h)*s.W + w
				if h+1 < s.H {
					f(i, i+s.W)
				}
				if w+1 < s.W {
					f(i, i+1)
				}
			}
		}
	}
}

// TVForward sets loss[0] = Σ (x[b]−x[a])² over adjacent pairs.
func (b *Backend[T]) TVForward(x, loss graph.Buffer, s graph.Shape) {
	xd := b.arg("TVForward", "x", x, s.Len())
	ld := b.arg("TVForward", "loss", loss, 1)
	var sum float64
	forEachPair(s, func(i, j int) {
		d := float64(xd[j]) - float64(xd[i])
		sum += d * d
	})
	ld[0] = T(sum)
}

// TVBackward accumulates dx += dloss·∂TV/∂x.
func (b *Backend[T]) TVBackward(x, dloss, dx graph.Buffer, s graph.Shape) {
	xd := b.arg("TVBackward", "x", x, s.Len())
	dl := float64(b.arg("TVBackward", "dloss", dloss, 1)[0])
	dxd := b.arg("TVBackward", "dx", dx, s.Len())
	acc := make([]float64, len(xd))
	forEachPair(s, func(i, j int) {
		d := 2 * dl * (float64(xd[j]) - float64(xd[i]))
		acc[j] += d
		acc[i] -= d
	})
	addTo(dxd, acc)
}
