package cpu

import (
	"fmt"
	"math"

	"github.com/vkstyle/vkstyle/graph"
)

// MatMulForward sets y = a·b, each element summed in float64.
func (b *Backend[T]) MatMulForward(a, bm, y graph.Buffer, p graph.MatMulParams) {
	const k = "MatMulForward"
	p.Check()
	A := b.arg(k, "a", a, p.AShape().Len())
	B := b.arg(k, "b", bm, p.BShape().Len())
	Y := b.arg(k, "y", y, p.YShape().Len())
	for i := range p.M {
		for j := range p.P {
			var s float64
			for l := range p.K {
				s += float64(A[i*p.K+l]) * float64(B[l*p.P+j])
			}
			Y[i*p.P+j] = T(s)
		}
	}
}

// MatMulBackward accumulates da += dy·bᵀ and db += aᵀ·dy (each skipped
// when nil).
func (b *Backend[T]) MatMulBackward(a, bm, dy, da, db graph.Buffer, p graph.MatMulParams) {
	const k = "MatMulBackward"
	p.Check()
	A := b.arg(k, "a", a, p.AShape().Len())
	B := b.arg(k, "b", bm, p.BShape().Len())
	DY := b.arg(k, "dy", dy, p.YShape().Len())
	if da != nil {
		DA := b.arg(k, "da", da, p.AShape().Len())
		for i := range p.M {
			for l := range p.K {
				var s float64
				for j := range p.P {
					s += float64(DY[i*p.P+j]) * float64(B[l*p.P+j])
				}
				DA[i*p.K+l] = T(float64(DA[i*p.K+l]) + s)
			}
		}
	}
	if db != nil {
		DB := b.arg(k, "db", db, p.BShape().Len())
		for l := range p.K {
			for j := range p.P {
				var s float64
				for i := range p.M {
					s += float64(A[i*p.K+l]) * float64(DY[i*p.P+j])
				}
				DB[l*p.P+j] = T(float64(DB[l*p.P+j]) + s)
			}
		}
	}
}

// checkWork checks the scratch buffers of a square root (unused here:
// the reference computes in float64 slices).
func (b *Backend[T]) checkWork(kernel string, work []graph.Buffer, p graph.SqrtmParams) {
	if len(work) != graph.SqrtmWork+graph.SqrtmScalars {
		panic(fmt.Sprintf("cpu: %s: %d work buffers, want %d", kernel, len(work), graph.SqrtmWork+graph.SqrtmScalars))
	}
	for i, w := range work {
		n := p.Size * p.Size
		if i >= graph.SqrtmWork {
			n = 1
		}
		b.arg(kernel, "work", w, n)
	}
}

// SqrtmForward sets y to the Newton–Schulz square root of a, computed in
// float64.
func (b *Backend[T]) SqrtmForward(a, y graph.Buffer, work []graph.Buffer, p graph.SqrtmParams) {
	const k = "SqrtmForward"
	p.Check()
	s := p.Size
	ad := b.arg(k, "a", a, s*s)
	yd := b.arg(k, "y", y, s*s)
	b.checkWork(k, work, p)
	A := widen(ad)
	norm := math.Sqrt(sumSq(A))
	Y := scaled(A, 1/norm)
	Z := identity(s, 1)
	for range p.Iters {
		t := mul(s, Z, Y, false)
		for i := range t {
			t[i] *= -0.5
		}
		addDiag(t, s, 1.5)
		Y, Z = mul(s, Y, t, false), mul(s, t, Z, false)
	}
	r := math.Sqrt(norm)
	for i, v := range Y {
		yd[i] = T(v * r)
	}
}

// SqrtmBackward accumulates da += X, X the Newton–Schulz solution of the
// Lyapunov equation of the square root y for the gradient dy (see
// Graph.Sqrtm), computed in float64.
func (b *Backend[T]) SqrtmBackward(y, dy, da graph.Buffer, work []graph.Buffer, p graph.SqrtmParams) {
	const k = "SqrtmBackward"
	p.Check()
	s := p.Size
	yd := b.arg(k, "y", y, s*s)
	dyd := b.arg(k, "dy", dy, s*s)
	dad := b.arg(k, "da", da, s*s)
	b.checkWork(k, work, p)
	Z := widen(yd)
	inv := 1 / math.Sqrt(sumSq(Z))
	A, Q := scaled(Z, inv), scaled(widen(dyd), inv)
	for it := range p.Iters {
		e := mul(s, A, A, false)
		for i := range e {
			e[i] = -e[i]
		}
		addDiag(e, s, 3)
		// Q ← (Q·E − Aᵀ·(Aᵀ·Q − Q·A))/2
		w := mul(s, A, Q, true)
		qa := mul(s, Q, A, false)
		for i := range w {
			w[i] -= qa[i]
		}
		qe, aw := mul(s, Q, e, false), mul(s, A, w, true)
		for i := range Q {
			Q[i] = (qe[i] - aw[i]) / 2
		}
		if it < p.Iters-1 {
			A = scaled(mul(s, A, e, false), 0.5)
		}
	}
	for i, v := range Q {
		dad[i] = T(float64(dad[i]) + v/2)
	}
}

// widen copies v to float64.
func widen[T Float](v []T) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func sumSq(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return s
}

func scaled(v []float64, a float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x * a
	}
	return out
}

// identity is d·I, s×s.
func identity(s int, d float64) []float64 {
	out := make([]float64, s*s)
	addDiag(out, s, d)
	return out
}

func addDiag(m []float64, s int, d float64) {
	for i := range s {
		m[i*s+i] += d
	}
}

// mul returns op(x)·y of s×s matrices, op transposing x when tx is set.
func mul(s int, x, y []float64, tx bool) []float64 {
	out := make([]float64, s*s)
	for i := range s {
		for j := range s {
			var sum float64
			for l := range s {
				xv, yv := x[i*s+l], y[l*s+j]
				if tx {
					xv = x[l*s+i]
				}
				sum += xv * yv
			}
			out[i*s+j] = sum
		}
	}
	return out
}
