package optimtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/optim"
)

// Tolerance bounds the error of a Space against Float64Space, relative to
// the magnitude of the terms that make up each result.
type Tolerance struct {
	// Elem bounds |got-want| / Σ|terms| of an element-wise result
	// (Scale, Axpy, Adam), per element.
	Elem float64
	// Reduce bounds |got-want| / Σ|terms| of a reduction (Dot, AbsSum).
	Reduce float64
}

// Named tolerances. Float64Tol is for spaces with float64 storage and
// arithmetic (a different summation order is allowed); Float32Tol for float32
// storage and arithmetic, with reductions accumulated in float32 (pairwise or
// sequential) or better.
var (
	Float64Tol = Tolerance{Elem: 1e-15, Reduce: 1e-13}
	Float32Tol = Tolerance{Elem: 1e-6, Reduce: 2e-5}
)

// Lengths are the vector lengths TestSpace uses: empty, one element, an odd
// small length and one just past a power of two (a partial workgroup).
var Lengths = []int{0, 1, 13, 4097}

// TestSpace checks every method of s against Float64Space on each of
// Lengths, choosing Float64Tol or Float32Tol by probing the storage
// precision of s (logged). Inputs are float32-representable so that a single
// precision Space stores them exactly.
func TestSpace(t *testing.T, s optim.Space) {
	t.Helper()
	tol := Float64Tol
	v := mustNew(t, s, 1)
	probe := 1 + 0x1p-40
	must(t, s.Write(v, []float64{probe}))
	got := make([]float64, 1)
	must(t, s.Read(v, got))
	s.Free(v)
	switch {
	case got[0] == probe:
		t.Logf("optimtest: %T stores float64; tolerance %+v", s, tol)
	case math.Abs(got[0]-probe) <= 0x1p-24:
		tol = Float32Tol
		t.Logf("optimtest: %T stores float32; tolerance %+v", s, tol)
	default:
		t.Fatalf("optimtest: %T rounds 1+2⁻⁴⁰ to %v: precision below float32; use TestSpaceTol", s, got[0])
	}
	TestSpaceTol(t, s, tol)
}

// TestSpaceTol is TestSpace with an explicit tolerance.
func TestSpaceTol(t *testing.T, s optim.Space, tol Tolerance) {
	t.Helper()
	for _, n := range Lengths {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) { testLength(t, s, n, tol) })
	}
	t.Run("LengthMismatchPanics", func(t *testing.T) { testPanics(t, s) })
}

// data returns n float32-representable values in [-2, 2], with a few exact
// zeros and ±1.
func data(rng *rand.Rand, n int) []float64 {
	h := make([]float64, n)
	for i := range h {
		h[i] = float64(float32(4*rng.Float64() - 2))
	}
	if n > 5 {
		h[1], h[2], h[n-1] = 0, 1, -1
	}
	return h
}

func testLength(t *testing.T, s optim.Space, n int, tol Tolerance) {
	var ref optim.Float64Space
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	ha, hb, hc := data(rng, n), data(rng, n), data(rng, n)

	// New is zero-filled, Len is n, Write/Read round-trip exactly.
	a := mustNew(t, s, n)
	if a.Len() != n {
		t.Fatalf("New(%d).Len() = %d", n, a.Len())
	}
	defer free2(s, a)
	checkExact(t, "New (zero fill)", ReadVec(t, s, a), make([]float64, n))
	must(t, s.Write(a, ha))
	checkExact(t, "Write/Read", ReadVec(t, s, a), ha)
	b := NewVec(t, s, hb)
	defer free2(s, b)
	c := NewVec(t, s, hc)
	defer free2(s, c)

	// Copy, also onto itself.
	d := mustNew(t, s, n)
	defer free2(s, d)
	s.Copy(d, a)
	checkExact(t, "Copy", ReadVec(t, s, d), ha)
	s.Copy(d, d)
	checkExact(t, "Copy(v, v)", ReadVec(t, s, d), ha)

	// Scale.
	for _, k := range []float64{-1, 0.3, 1e-3} {
		s.Copy(d, a)
		s.Scale(d, k)
		want := append([]float64(nil), ha...)
		ref.Scale(optim.Float64Vector(want), k)
		scale := make([]float64, n)
		for i := range scale {
			scale[i] = math.Abs(k * ha[i])
		}
		checkElem(t, fmt.Sprintf("Scale(%g)", k), ReadVec(t, s, d), want, scale, tol.Elem)
	}

	// Axpy, also with dst == x.
	for _, k := range []float64{-1, 0.7, -2.5e-3} {
		s.Copy(d, a)
		s.Axpy(d, k, b)
		want := append([]float64(nil), ha...)
		ref.Axpy(optim.Float64Vector(want), k, optim.Float64Vector(hb))
		scale := make([]float64, n)
		for i := range scale {
			scale[i] = math.Abs(ha[i]) + math.Abs(k*hb[i])
		}
		checkElem(t, fmt.Sprintf("Axpy(%g)", k), ReadVec(t, s, d), want, scale, tol.Elem)
	}
	s.Copy(d, a)
	s.Axpy(d, 0.5, d)
	{
		want := make([]float64, n)
		scale := make([]float64, n)
		for i := range want {
			want[i] = 1.5 * ha[i]
			scale[i] = want[i]
		}
		checkElem(t, "Axpy(v, 0.5, v)", ReadVec(t, s, d), want, abs(scale), tol.Elem)
	}

	// Deferred work runs in call order: 2a - a == a exactly.
	s.Copy(d, a)
	s.Scale(d, 2)
	s.Axpy(d, -1, a)
	s.Copy(c, d)
	checkExact(t, "Copy,Scale,Axpy,Copy in order", ReadVec(t, s, c), ha)
	must(t, s.Write(c, hc))

	// Reductions.
	dot := func(name string, x, y optim.Vector, hx, hy []float64) {
		got, err := s.Dot(x, y)
		must(t, err)
		want, _ := ref.Dot(optim.Float64Vector(hx), optim.Float64Vector(hy))
		var terms float64
		for i := range hx {
			terms += math.Abs(hx[i] * hy[i])
		}
		checkScalar(t, name, got, want, terms, tol.Reduce)
	}
	dot("Dot(a, b)", a, b, ha, hb)
	dot("Dot(a, a)", a, a, ha, ha)
	{
		got, err := s.AbsSum(c)
		must(t, err)
		want, _ := ref.AbsSum(optim.Float64Vector(hc))
		checkScalar(t, "AbsSum", got, want, want, tol.Reduce)
	}
	{
		got, err := s.MaxAbs(b)
		must(t, err)
		want, _ := ref.MaxAbs(optim.Float64Vector(hb))
		if got != want {
			t.Errorf("MaxAbs = %v, want %v", got, want)
		}
	}
	if n > 0 {
		// MaxAbs of negative values, of infinities and of NaN anywhere.
		h := make([]float64, n)
		for i := range h {
			h[i] = -float64(i + 1)
		}
		must(t, s.Write(d, h))
		if got, err := s.MaxAbs(d); err != nil || got != float64(n) {
			t.Errorf("MaxAbs(-1..-n) = %v, %v; want %d", got, err, n)
		}
		for _, special := range []float64{math.Inf(-1), math.NaN()} {
			for _, at := range []int{0, n / 2, n - 1} {
				h := make([]float64, n)
				h[at] = special
				must(t, s.Write(d, h))
				got, err := s.MaxAbs(d)
				must(t, err)
				want := math.Abs(special)
				if !(got == want || (math.IsNaN(want) && math.IsNaN(got))) {
					t.Errorf("MaxAbs with %v at %d = %v, want %v", special, at, got, want)
				}
			}
		}
	}

	// DotTo keeps dot products in a vector of the space, leaving its other
	// elements (here a NaN) as they are.
	{
		sc := NewVec(t, s, []float64{math.NaN(), 0, 7, 0})
		defer free2(s, sc)
		s.Copy(d, a)
		s.Scale(d, 2) // DotTo runs after the work recorded before it
		s.DotTo(sc, 1, d, b)
		s.DotTo(sc, 3, a, a)
		got := ReadVec(t, s, sc)
		wantAB, _ := ref.Dot(optim.Float64Vector(ha), optim.Float64Vector(hb))
		wantAA, _ := ref.Dot(optim.Float64Vector(ha), optim.Float64Vector(ha))
		var terms float64
		for i := range ha {
			terms += math.Abs(ha[i] * hb[i])
		}
		checkScalar(t, "DotTo(2a, b)", got[1], 2*wantAB, 2*terms, tol.Reduce)
		checkScalar(t, "DotTo(a, a)", got[3], wantAA, wantAA, tol.Reduce)
		if !math.IsNaN(got[0]) || got[2] != 7 {
			t.Errorf("DotTo changed other elements: %v", got)
		}
	}

	// DotsTo takes a's products with many vectors at once (more than a GPU
	// binds in one dispatch), each as DotTo would and symmetric in its two
	// vectors; Combine adds many scaled vectors.
	{
		const many = 33
		rng := rand.New(rand.NewPCG(uint64(n), 2))
		hs := make([][]float64, many)
		vs := make([]optim.Vector, many)
		for j := range many {
			hs[j] = data(rng, n)
			vs[j] = NewVec(t, s, hs[j])
			defer free2(s, vs[j])
		}
		fives := make([]float64, many+3)
		for i := range fives {
			fives[i] = 5
		}
		sc := NewVec(t, s, fives)
		defer free2(s, sc)
		s.DotsTo(sc, 2, []optim.Vector{a}, vs)
		got := ReadVec(t, s, sc)
		for j := range many {
			want, _ := ref.Dot(optim.Float64Vector(ha), optim.Float64Vector(hs[j]))
			var terms float64
			for i := range ha {
				terms += math.Abs(ha[i] * hs[j][i])
			}
			checkScalar(t, fmt.Sprintf("DotsTo(a, v%d)", j), got[2+j], want, terms, tol.Reduce)
		}
		if got[0] != 5 || got[1] != 5 || got[many+2] != 5 {
			t.Errorf("DotsTo changed other elements: %v, %v, %v", got[0], got[1], got[many+2])
		}
		// Symmetric: v7's product with a (alone) has the bits of a's with v7;
		// several vectors' products with several are each DotsTo's.
		s.DotsTo(sc, 0, vs[7:8], []optim.Vector{a})
		if back := ReadVec(t, s, sc); back[0] != got[2+7] {
			t.Errorf("DotsTo([v7], [a]) = %v, DotsTo([a], [… v7 …]) = %v", back[0], got[2+7])
		}
		grid := mustNew(t, s, 5*many)
		defer free2(s, grid)
		s.DotsTo(grid, 0, []optim.Vector{vs[3], a, vs[9], vs[7], vs[0]}, vs)
		rows := ReadVec(t, s, grid)
		if rows[many+7] != got[2+7] || rows[3*many+3] != rows[7] || rows[2*many] != rows[4*many+9] {
			t.Errorf("DotsTo of 5 vectors with %d: products differ from the same pairs' elsewhere", many)
		}
		coefs := make([]float64, many)
		want, scale := make([]float64, n), make([]float64, n)
		for j := range coefs {
			coefs[j] = rng.NormFloat64()
			for i := range want {
				want[i] += coefs[j] * hs[j][i]
				scale[i] += math.Abs(coefs[j] * hs[j][i])
			}
		}
		s.Copy(d, a) // Combine overwrites what is there
		s.Combine(d, coefs, vs)
		checkElem(t, "Combine", ReadVec(t, s, d), want, scale, tol.Elem*many)
	}

	// Adam, twice so that m and v are non-zero on the second call, with and
	// without weight decay.
	for _, wd := range []float64{0, 0.01} {
		x, g, m, v := mustNew(t, s, n), mustNew(t, s, n), mustNew(t, s, n), mustNew(t, s, n)
		must(t, s.Write(x, ha))
		must(t, s.Write(g, hb))
		rx, rg, rm, rv := clone(ha), clone(hb), make([]float64, n), make([]float64, n)
		for step := 1; step <= 2; step++ {
			p := optim.AdamParams{
				Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: wd,
				StepSize:            0.01 / (1 - math.Pow(0.9, float64(step))),
				BiasCorrection2Sqrt: math.Sqrt(1 - math.Pow(0.999, float64(step))),
			}
			// Error scales: the magnitudes of the terms of each result. g'
			// = g + wd·x may cancel, so m and v are measured against
			// |g|+|wd·x| rather than against themselves. x's error is a
			// few Elem of the step, whose factors m and sqrt(v) err alike.
			before, mOld, vOld := clone(rx), clone(rm), clone(rv)
			s.Adam(x, g, m, v, p)
			ref.Adam(optim.Float64Vector(rx), optim.Float64Vector(rg), optim.Float64Vector(rm), optim.Float64Vector(rv), p)
			sx, sm, sv := make([]float64, n), make([]float64, n), make([]float64, n)
			for i := range sx {
				ga := math.Abs(rg[i]) + math.Abs(wd*before[i])
				sx[i] = math.Abs(before[i]) + 4*math.Abs(rx[i]-before[i])
				sm[i] = p.Beta1*math.Abs(mOld[i]) + (1-p.Beta1)*ga
				sv[i] = p.Beta2*vOld[i] + (1-p.Beta2)*ga*ga
			}
			name := fmt.Sprintf("Adam(wd=%g) step %d", wd, step)
			checkElem(t, name+" x", ReadVec(t, s, x), rx, sx, tol.Elem)
			checkElem(t, name+" m", ReadVec(t, s, m), rm, sm, 4*tol.Elem)
			checkElem(t, name+" v", ReadVec(t, s, v), rv, sv, 4*tol.Elem)
			checkExact(t, name+" g unchanged", ReadVec(t, s, g), hb)
		}
		for _, w := range []optim.Vector{x, g, m, v} {
			s.Free(w)
		}
	}
}

func testPanics(t *testing.T, s optim.Space) {
	a, b := mustNew(t, s, 13), mustNew(t, s, 1)
	defer free2(s, a)
	defer free2(s, b)
	cases := []struct {
		name string
		f    func()
	}{
		{"Copy", func() { s.Copy(a, b) }},
		{"Axpy", func() { s.Axpy(a, 1, b) }},
		{"Dot", func() { s.Dot(a, b) }},
		{"Read", func() { s.Read(a, make([]float64, 12)) }},
		{"Write", func() { s.Write(a, make([]float64, 14)) }},
	}
	for _, c := range cases {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("%s with mismatched lengths did not panic", c.name)
					return
				}
				if msg := fmt.Sprint(r); !strings.Contains(msg, ":") {
					t.Errorf("%s panic message %q has no package prefix", c.name, msg)
				}
			}()
			c.f()
		}()
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustNew(t testing.TB, s optim.Space, n int) optim.Vector {
	t.Helper()
	v, err := s.New(n)
	must(t, err)
	return v
}

// free2 frees v twice: Free must be idempotent.
func free2(s optim.Space, v optim.Vector) {
	s.Free(v)
	s.Free(v)
}

func clone(h []float64) []float64 { return append([]float64(nil), h...) }

func abs(h []float64) []float64 {
	out := make([]float64, len(h))
	for i, x := range h {
		out[i] = math.Abs(x)
	}
	return out
}

func checkExact(t testing.TB, name string, got, want []float64) {
	t.Helper()
	checkElem(t, name, got, want, make([]float64, len(want)), 0)
}

// checkElem reports the worst element whose error exceeds tol·scale_i (plus
// the smallest normal float32, so that exact zeros compare), with a few
// neighbours.
func checkElem(t testing.TB, name string, got, want, scale []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: length %d, want %d", name, len(got), len(want))
		return
	}
	worst, bad, worstRatio := -1, 0, 0.0
	for i := range want {
		err := math.Abs(got[i] - want[i])
		bound := tol*scale[i] + 0x1p-126*tol
		if got[i] == want[i] || (math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			continue
		}
		if !(err <= bound) {
			bad++
			r := err / (scale[i] + 0x1p-126)
			if worst < 0 || r > worstRatio || math.IsNaN(r) {
				worst, worstRatio = i, r
			}
		}
	}
	if worst >= 0 {
		lo, hi := max(worst-2, 0), min(worst+3, len(want))
		t.Errorf("%s: %d of %d elements off; worst at %d: got %v, want %v (relative error %.3g, tolerance %.3g); got[%d:%d] = %v, want %v",
			name, bad, len(want), worst, got[worst], want[worst], worstRatio, tol, lo, hi, got[lo:hi], want[lo:hi])
	}
}

func checkScalar(t testing.TB, name string, got, want, scale, tol float64) {
	t.Helper()
	if got == want {
		return
	}
	if !(math.Abs(got-want) <= tol*scale) {
		t.Errorf("%s = %v, want %v (error %.3g, tolerance %.3g × %.3g)", name, got, want, math.Abs(got-want), tol, scale)
	}
}
