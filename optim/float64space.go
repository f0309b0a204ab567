package optim

import (
	"fmt"
	"math"
)

// Float64Vector is a Vector of Float64Space: the elements themselves.
// A caller may wrap its own slice (Float64Vector(x)); the optimisers then
// update that slice in place.
type Float64Vector []float64

// Len returns len(v).
func (v Float64Vector) Len() int { return len(v) }

// Float64Space is the reference Space: vectors are Float64Vector and every
// operation is a plain loop in index order with float64 arithmetic, each
// product rounded before it is added (no fused multiply-add, on any
// architecture). Reductions accumulate sequentially from index 0. It is the
// specification the other spaces are compared with.
//
// The zero value is ready to use; it holds no state, and Free does nothing
// (the garbage collector reclaims vectors).
type Float64Space struct{}

var _ Space = Float64Space{}

func f64(v Vector, op string) Float64Vector { return vectorOf[Float64Vector](v, "Float64Space", op) }

// vectorOf returns v as the vector type V of space, or panics naming op.
func vectorOf[V Vector](v Vector, space, op string) V {
	x, ok := v.(V)
	if !ok {
		panic(fmt.Sprintf("optim: %s.%s: vector of type %T, want %T", space, op, v, x))
	}
	return x
}

func sameLen(op string, a, b int) {
	if a != b {
		panic(fmt.Sprintf("optim: %s: length mismatch %d != %d", op, a, b))
	}
}

// New returns a zero-filled Float64Vector of n elements.
func (Float64Space) New(n int) (Vector, error) {
	if n < 0 {
		panic(fmt.Sprintf("optim: Float64Space.New: negative length %d", n))
	}
	return make(Float64Vector, n), nil
}

// Free does nothing.
func (Float64Space) Free(v Vector) {}

// Copy sets dst = src.
func (Float64Space) Copy(dst, src Vector) {
	d, s := f64(dst, "Copy"), f64(src, "Copy")
	sameLen("Float64Space.Copy", len(d), len(s))
	copy(d, s)
}

// Scale sets dst_i = a*dst_i.
func (Float64Space) Scale(dst Vector, a float64) {
	d := f64(dst, "Scale")
	for i := range d {
		d[i] *= a
	}
}

// Axpy sets dst_i = dst_i + (a*x_i), the product rounded first.
func (Float64Space) Axpy(dst Vector, a float64, x Vector) {
	d, xs := f64(dst, "Axpy"), f64(x, "Axpy")
	sameLen("Float64Space.Axpy", len(d), len(xs))
	for i := range d {
		d[i] += float64(a * xs[i])
	}
}

// Dot returns Σ a_i b_i, accumulated from i = 0 upwards, each product rounded.
func (Float64Space) Dot(a, b Vector) (float64, error) {
	as, bs := f64(a, "Dot"), f64(b, "Dot")
	sameLen("Float64Space.Dot", len(as), len(bs))
	var s float64
	for i := range as {
		s += float64(as[i] * bs[i])
	}
	return s, nil
}

// DotTo sets dst_i = Dot(a, b).
func (sp Float64Space) DotTo(dst Vector, i int, a, b Vector) {
	d := f64(dst, "DotTo")
	d[i], _ = sp.Dot(a, b)
}

// DotsTo sets dst_{at+p·len(bs)+j} = Dot(as[p], bs[j]).
func (sp Float64Space) DotsTo(dst Vector, at int, as, bs []Vector) {
	for p, a := range as {
		for j, b := range bs {
			sp.DotTo(dst, at+p*len(bs)+j, a, b)
		}
	}
}

// Combine sets dst = Σ c[j]·xs[j], each term added as Axpy adds it.
func (sp Float64Space) Combine(dst Vector, c []float64, xs []Vector) {
	d := f64(dst, "Combine")
	for _, x := range xs {
		checkCombine("Float64Space.Combine", d, f64(x, "Combine"), len(c), len(xs))
	}
	clear(d)
	for j, x := range xs {
		sp.Axpy(dst, c[j], x)
	}
}

// checkCombine panics, naming op, unless Combine has as many coefficients
// as vectors, at least one, and x (one of them) is not dst.
func checkCombine[E float32 | float64](op string, dst, x []E, coefs, vecs int) {
	switch {
	case coefs != vecs || vecs == 0:
		panic(fmt.Sprintf("optim: %s: %d coefficients for %d vectors", op, coefs, vecs))
	case len(dst) > 0 && len(x) > 0 && &dst[0] == &x[0]:
		panic(fmt.Sprintf("optim: %s: dst is one of the vectors combined", op))
	}
}

// MaxAbs returns max_i |v_i| (NaN if any element is NaN, 0 for no elements).
func (Float64Space) MaxAbs(v Vector) (float64, error) { return maxAbs(f64(v, "MaxAbs")), nil }

// maxAbs returns max_i |v_i|, exactly: NaN if any element is NaN, 0 for
// no elements.
func maxAbs[T float32 | float64](v []T) float64 {
	var m float64
	for _, x := range v {
		a := math.Abs(float64(x))
		if a != a {
			return a
		}
		if a > m {
			m = a
		}
	}
	return m
}

// AbsSum returns Σ |v_i|, accumulated from i = 0 upwards.
func (Float64Space) AbsSum(v Vector) (float64, error) { return absSum(f64(v, "AbsSum")), nil }

// absSum returns Σ |v_i| accumulated in float64 from i = 0 upwards.
func absSum[T float32 | float64](v []T) float64 {
	var s float64
	for _, x := range v {
		s += math.Abs(float64(x))
	}
	return s
}

// Adam performs the update documented at Space.Adam, element by element, in
// the order of torch's single-tensor path with each operation rounded:
//
//	g' = g + (wd*x)                  (only if wd != 0)
//	m  = (β1*m) + ((1-β1)*g')
//	v  = (β2*v) + (((1-β2)*g')*g')
//	x  = x + ((-StepSize) * (m / (sqrt(v)/BiasCorrection2Sqrt + ε)))
func (Float64Space) Adam(x, g, m, v Vector, p AdamParams) {
	xs, gs, ms, vs := f64(x, "Adam"), f64(g, "Adam"), f64(m, "Adam"), f64(v, "Adam")
	sameLen("Float64Space.Adam", len(xs), len(gs))
	sameLen("Float64Space.Adam", len(xs), len(ms))
	sameLen("Float64Space.Adam", len(xs), len(vs))
	c1, c2 := 1-p.Beta1, 1-p.Beta2
	neg := -p.StepSize
	for i := range xs {
		gi := gs[i]
		if p.WeightDecay != 0 {
			gi += float64(p.WeightDecay * xs[i])
		}
		ms[i] = float64(p.Beta1*ms[i]) + float64(c1*gi)
		vs[i] = float64(p.Beta2*vs[i]) + float64(float64(c2*gi)*gi)
		denom := math.Sqrt(vs[i])/p.BiasCorrection2Sqrt + p.Eps
		xs[i] += float64(neg * (ms[i] / denom))
	}
}

// Read copies v into dst.
func (Float64Space) Read(v Vector, dst []float64) error {
	s := f64(v, "Read")
	sameLen("Float64Space.Read", len(dst), len(s))
	copy(dst, s)
	return nil
}

// Write copies src into v.
func (Float64Space) Write(v Vector, src []float64) error {
	d := f64(v, "Write")
	sameLen("Float64Space.Write", len(d), len(src))
	copy(d, src)
	return nil
}
