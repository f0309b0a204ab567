package cpu

import "github.com/vkstyle/vkstyle/graph"

// GramForward sets g[n] = F·Fᵀ/(C·H·W), F = x[n] as a C×(H·W) matrix.
func (b *Backend[T]) GramForward(x, g graph.Buffer, s graph.Shape) {
	xd := b.arg("GramForward", "x", x, s.Len())
	gd := b.arg("GramForward", "g", g, s.N*s.C*s.C)
	hw, norm := s.H*s.W, float64(s.C*s.H*s.W)
	for n := 0; n < s.N; n++ {
		f := xd[n*s.C*hw : (n+1)*s.C*hw]
		for i := 0; i < s.C; i++ {
			for j := 0; j < s.C; j++ {
				var sum float64
				for k := 0; k < hw; k++ {
					sum += float64(f[i*hw+k]) * float64(f[j*hw+k])
				}
				gd[(n*s.C+i)*s.C+j] = T(sum / norm)
			}
		}
	}
}

// GramBackward accumulates dx[n] += (dg[n] + dg[n]ᵀ)·F/(C·H·W).
func (b *Backend[T]) GramBackward(x, dg, dx graph.Buffer, s graph.Shape) {
	xd := b.arg("GramBackward", "x", x, s.Len())
	dgd := b.arg("GramBackward", "dg", dg, s.N*s.C*s.C)
	dxd := b.arg("GramBackward", "dx", dx, s.Len())
	hw, norm := s.H*s.W, float64(s.C*s.H*s.W)
	for n := 0; n < s.N; n++ {
		f := xd[n*s.C*hw : (n+1)*s.C*hw]
		d := dgd[n*s.C*s.C : (n+1)*s.C*s.C]
		for i := 0; i < s.C; i++ {
			for k := 0; k < hw; k++ {
				var sum float64
				for j := 0; j < s.C; j++ {
					sum += (float64(d[i*s.C+j]) + float64(d[j*s.C+i])) * float64(f[j*hw+k])
				}
				o := (n*s.C+i)*hw + k
				dxd[o] = T(float64(dxd[o]) + sum/norm)
			}
		}
	}
}
