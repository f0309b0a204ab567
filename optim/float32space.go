package optim

import (
	"fmt"
	"math"
)

// Float32Vector is a Vector of Float32Space: the elements themselves.
type Float32Vector []float32

// Len returns len(v).
func (v Float32Vector) Len() int { return len(v) }

// Float32Space is a Space of float32 vectors that mimics what a GPU does, to
// test the single-precision path on the CPU: scalar arguments are rounded to
// float32 (as they would be in a push-constant block) and element-wise
// arithmetic is float32, each operation rounded (no fused multiply-add);
// reductions (Dot, AbsSum) accumulate in float64, sequentially from index 0,
// and MaxAbs is exact. Read and Write convert between float32 and float64
// (exactly, and with round-to-nearest-even, respectively).
//
// The zero value is ready to use; Free does nothing.
type Float32Space struct{}

var _ Space = Float32Space{}

func f32(v Vector, op string) Float32Vector { return vectorOf[Float32Vector](v, "Float32Space", op) }

// New returns a zero-filled Float32Vector of n elements.
func (Float32Space) New(n int) (Vector, error) {
	if n < 0 {
		panic(fmt.Sprintf("optim: Float32Space.New: negative length %d", n))
	}
	return make(Float32Vector, n), nil
}

// Free does nothing.
func (Float32Space) Free(v Vector) {}

// Copy sets dst = src.
func (Float32Space) Copy(dst, src Vector) {
	d, s := f32(dst, "Copy"), f32(src, "Copy")
	sameLen("Float32Space.Copy", len(d), len(s))
	copy(d, s)
}

// Scale sets dst_i = float32(a)*dst_i in float32.
func (Float32Space) Scale(dst Vector, a float64) {
	d := f32(dst, "Scale")
	af := float32(a)
	for i := range d {
		d[i] *= af
	}
}

// Axpy sets dst_i = dst_i + (float32(a)*x_i) in float32, the product rounded
// first.
func (Float32Space) Axpy(dst Vector, a float64, x Vector) {
	d, xs := f32(dst, "Axpy"), f32(x, "Axpy")
	sameLen("Float32Space.Axpy", len(d), len(xs))
	af := float32(a)
	for i := range d {
		d[i] += float32(af * xs[i])
	}
}

// Dot returns Σ a_i b_i accumulated in float64 (each product is exact).
func (Float32Space) Dot(a, b Vector) (float64, error) {
	as, bs := f32(a, "Dot"), f32(b, "Dot")
	sameLen("Float32Space.Dot", len(as), len(bs))
	var s float64
	for i := range as {
		s += float64(as[i]) * float64(bs[i])
	}
	return s, nil
}

// DotTo sets dst_i = float32(Dot(a, b)): the float64 sum rounded once.
func (sp Float32Space) DotTo(dst Vector, i int, a, b Vector) {
	d := f32(dst, "DotTo")
	dot, _ := sp.Dot(a, b)
	d[i] = float32(dot)
}

// DotsTo sets dst_{at+p·len(bs)+j} = float32(Dot(as[p], bs[j])), as DotTo.
func (sp Float32Space) DotsTo(dst Vector, at int, as, bs []Vector) {
	for p, a := range as {
		for j, b := range bs {
			sp.DotTo(dst, at+p*len(bs)+j, a, b)
		}
	}
}

// Combine sets dst = Σ c[j]·xs[j] in float32, each term added as Axpy
// adds it (the product rounded first).
func (sp Float32Space) Combine(dst Vector, c []float64, xs []Vector) {
	d := f32(dst, "Combine")
	for _, x := range xs {
		checkCombine("Float32Space.Combine", d, f32(x, "Combine"), len(c), len(xs))
	}
	clear(d)
	for j, x := range xs {
		sp.Axpy(dst, c[j], x)
	}
}

// MaxAbs returns max_i |v_i| (NaN if any element is NaN, 0 for no elements).
func (Float32Space) MaxAbs(v Vector) (float64, error) { return maxAbs(f32(v, "MaxAbs")), nil }

// AbsSum returns Σ |v_i| accumulated in float64.
func (Float32Space) AbsSum(v Vector) (float64, error) { return absSum(f32(v, "AbsSum")), nil }

// Adam performs the update documented at Space.Adam in float32, with the
// scalars of p rounded to float32 and the operation order of
// Float64Space.Adam.
func (Float32Space) Adam(x, g, m, v Vector, p AdamParams) {
	xs, gs, ms, vs := f32(x, "Adam"), f32(g, "Adam"), f32(m, "Adam"), f32(v, "Adam")
	sameLen("Float32Space.Adam", len(xs), len(gs))
	sameLen("Float32Space.Adam", len(xs), len(ms))
	sameLen("Float32Space.Adam", len(xs), len(vs))
	b1, b2 := float32(p.Beta1), float32(p.Beta2)
	c1, c2 := float32(1-p.Beta1), float32(1-p.Beta2)
	wd, eps := float32(p.WeightDecay), float32(p.Eps)
	bc2 := float32(p.BiasCorrection2Sqrt)
	neg := float32(-p.StepSize)
	for i := range xs {
		gi := gs[i]
		if wd != 0 {
			gi += float32(wd * xs[i])
		}
		ms[i] = float32(b1*ms[i]) + float32(c1*gi)
		vs[i] = float32(b2*vs[i]) + float32(float32(c2*gi)*gi)
		denom := float32(math.Sqrt(float64(vs[i])))/bc2 + eps
		xs[i] += float32(neg * (ms[i] / denom))
	}
}

// Read copies v into dst, converting exactly to float64.
func (Float32Space) Read(v Vector, dst []float64) error {
	s := f32(v, "Read")
	sameLen("Float32Space.Read", len(dst), len(s))
	for i, x := range s {
		dst[i] = float64(x)
	}
	return nil
}

// Write copies src into v, rounding to float32.
func (Float32Space) Write(v Vector, src []float64) error {
	d := f32(v, "Write")
	sameLen("Float32Space.Write", len(d), len(src))
	for i, x := range src {
		d[i] = float32(x)
	}
	return nil
}
