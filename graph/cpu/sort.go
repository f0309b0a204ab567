package cpu

import (
	"cmp"
	"slices"

	"github.com/vkstyle/vkstyle/graph"
)

// SortForward sorts each plane by (value, index), keeping where each
// element came from in perm.
func (b *Backend[T]) SortForward(x, y, perm graph.Buffer, s graph.Shape) {
	const k = "SortForward"
	plane := s.H * s.W
	xd, yd, pd := b.arg(k, "x", x, s.Len()), b.arg(k, "y", y, s.Len()), b.arg(k, "perm", perm, s.Len())
	idx := make([]int, plane)
	for p := 0; p < s.N*s.C; p++ {
		xs := xd[p*plane : (p+1)*plane]
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(i, j int) int {
			return cmp.Or(cmp.Compare(xs[i], xs[j]), cmp.Compare(i, j))
		})
		for i, j := range idx {
			yd[p*plane+i] = xs[j]
			pd[p*plane+i] = T(j)
		}
	}
}

// SortBackward sends each sorted element's gradient to its origin.
func (b *Backend[T]) SortBackward(perm, dy, dx graph.Buffer, s graph.Shape) {
	const k = "SortBackward"
	plane := s.H * s.W
	pd, dyd, dxd := b.arg(k, "perm", perm, s.Len()), b.arg(k, "dy", dy, s.Len()), b.arg(k, "dx", dx, s.Len())
	for i, g := range dyd {
		j := i/plane*plane + int(pd[i])
		dxd[j] += g
	}
}

// GatherForward sets y[p, i] = x[p, idx[i]].
func (b *Backend[T]) GatherForward(x, idx, y graph.Buffer, s, out graph.Shape) {
	const k = "GatherForward"
	in, n := s.H*s.W, out.H*out.W
	xd, id, yd := b.arg(k, "x", x, s.Len()), b.arg(k, "idx", idx, n), b.arg(k, "y", y, out.Len())
	for i := range yd {
		j := int(id[i%n])
		if j < 0 || j >= in {
			panic("cpu: GatherForward: index out of the plane")
		}
		yd[i] = xd[i/n*in+j]
	}
}

// GatherBackward accumulates dx[p, idx[i]] += dy[p, i].
func (b *Backend[T]) GatherBackward(idx, dy, dx graph.Buffer, s, out graph.Shape) {
	const k = "GatherBackward"
	in, n := s.H*s.W, out.H*out.W
	id, dyd, dxd := b.arg(k, "idx", idx, n), b.arg(k, "dy", dy, out.Len()), b.arg(k, "dx", dx, s.Len())
	for i, g := range dyd {
		j := int(id[i%n])
		if j < 0 || j >= in {
			panic("cpu: GatherBackward: index out of the plane")
		}
		dxd[i/n*in+j] += g
	}
}
