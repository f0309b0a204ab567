package gpu_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/gputest"
)

// Awkward sizes from the issue: empty, one, not a multiple of anything,
// just past a 4096 boundary, and past 3 MiB elements (12 MiB, several
// reduction passes).
var vectorSizes = []int{0, 1, 13, 4097, 3<<20 + 7}

// configs run every vector test through the mapped path, the staging path
// that discrete GPUs take, and a binding limit small enough to split every
// large buffer across many dispatches.
var configs = []struct {
	name string
	opts gpu.Options
}{
	{"mapped", gpu.Options{}},
	{"staging", gpu.Options{ForceStaging: true}},
	{"split", gpu.Options{MaxBindingRange: 64 << 10}},
}

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func upload(t *testing.T, dev *gpu.Device, name string, v []float32) *gpu.Buffer {
	t.Helper()
	b, err := dev.NewBuffer(name, uint64(len(v))*4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if err := b.WriteFloat32(0, v); err != nil {
		t.Fatal(err)
	}
	return b
}

func download(t *testing.T, b *gpu.Buffer, n int) []float32 {
	t.Helper()
	v := make([]float32, n)
	if err := b.ReadFloat32(0, v); err != nil {
		t.Fatal(err)
	}
	return v
}

// compareExact fails on the first element that differs from the reference;
// element-wise kernels do one IEEE operation, so results must match a Go
// reference computed the same way bit for bit. alt, when not nil, is a
// second allowed result: GLSL's fma may be fused or not (lavapipe does not
// fuse), so axpy may round once or twice.
func compareExact(t *testing.T, op string, got, want, alt []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) && (alt == nil || math.Float32bits(got[i]) != math.Float32bits(alt[i])) {
			t.Fatalf("%s: element %d of %d: got %v, want %v", op, i, len(want), got[i], want[i])
		}
	}
}

func fma32(a, x, y float32) float32 { return float32(math.FMA(float64(a), float64(x), float64(y))) }

func TestElementwise(t *testing.T) {
	for _, cfg := range configs {
		t.Run(cfg.name, func(t *testing.T) {
			dev := gputest.Open(t, cfg.opts)
			r := rand.New(rand.NewPCG(1, 2))
			for _, n := range vectorSizes {
				x, y := randVec(r, n), randVec(r, n)
				bx, by := upload(t, dev, "x", x), upload(t, dev, "y", y)
				out := upload(t, dev, "out", make([]float32, n))
				const a = float32(-1.75)
				// axpy_coef's scalars and coefficient, rounded as the
				// kernel rounds them: each product, then the sum.
				sv := []float32{0.3, -1.1, float32(math.NaN())}
				scalars := upload(t, dev, "scalars", sv)
				coef := gpu.Coef{W1: 1.7, I1: 0, W2: -2.9, I2: 1}
				c := float32(float32(coef.W1*sv[0]) + float32(coef.W2*sv[1]))
				c1 := float32(coef.W1 * sv[1])
				cases := []struct {
					op     string
					record func(*gpu.Batch) error
					want   func(i int) float32
					alt    func(i int) float32
				}{
					{"fill", func(b *gpu.Batch) error { return b.Fill(out, n, a) }, func(int) float32 { return a }, nil},
					{"copy", func(b *gpu.Batch) error { return b.CopyVec(out, bx, n) }, func(i int) float32 { return x[i] }, nil},
					{"scale", func(b *gpu.Batch) error { return b.Scale(out, a, bx, n) }, func(i int) float32 { return a * x[i] }, nil},
					{"add", func(b *gpu.Batch) error { return b.Add(out, bx, by, n) }, func(i int) float32 { return x[i] + y[i] }, nil},
					{"mul", func(b *gpu.Batch) error { return b.Mul(out, bx, by, n) }, func(i int) float32 { return x[i] * y[i] }, nil},
					{"axpy", func(b *gpu.Batch) error {
						if err := b.CopyVec(out, by, n); err != nil {
							return err
						}
						return b.Axpy(out, a, bx, n)
					}, func(i int) float32 { return fma32(a, x[i], y[i]) }, func(i int) float32 { return a*x[i] + y[i] }},
					{"axpy_coef", func(b *gpu.Batch) error {
						if err := b.CopyVec(out, by, n); err != nil {
							return err
						}
						return b.AxpyCoef(out, scalars, coef, bx, n)
					}, func(i int) float32 { return fma32(c, x[i], y[i]) }, func(i int) float32 { return c*x[i] + y[i] }},
					{"axpy_coef w2=0", func(b *gpu.Batch) error {
						if err := b.CopyVec(out, by, n); err != nil {
							return err
						}
						// s[2] is NaN: a term with weight 0 is left out.
						return b.AxpyCoef(out, scalars, gpu.Coef{W1: coef.W1, I1: 1, I2: 2}, bx, n)
					}, func(i int) float32 { return fma32(c1, x[i], y[i]) }, func(i int) float32 { return c1*x[i] + y[i] }},
				}
				for _, c := range cases {
					b, err := dev.NewBatch()
					if err != nil {
						t.Fatal(err)
					}
					if err := c.record(b); err != nil {
						t.Fatalf("%s n=%d: %v", c.op, n, err)
					}
					if err := b.Submit(); err != nil {
						t.Fatal(err)
					}
					b.Close()
					want := make([]float32, n)
					var alt []float32
					if c.alt != nil {
						alt = make([]float32, n)
					}
					for i := range want {
						want[i] = c.want(i)
						if alt != nil {
							alt[i] = c.alt(i)
						}
					}
					compareExact(t, fmt.Sprintf("%s n=%d", c.op, n), download(t, out, n), want, alt)
				}
				bx.Close()
				by.Close()
				out.Close()
			}
		})
	}
}

// runOnce records one reduction into result[at] in a fresh batch, submits it
// and reads the result back.
func runOnce(t *testing.T, dev *gpu.Device, result *gpu.Buffer, at int, record func(*gpu.Batch) error) float32 {
	t.Helper()
	run(t, dev, record)
	v := make([]float32, 1)
	if err := result.ReadFloat32(at, v); err != nil {
		t.Fatal(err)
	}
	return v[0]
}

// eachReduction runs body for every vector size in every configuration,
// with the configuration's device, a random source seeded (seed, seed+1)
// and a result buffer of three 7s, of which body's reductions write slot
// at: the other two must still hold 7 afterwards.
func eachReduction(t *testing.T, op string, seed uint64, at int, body func(t *testing.T, dev *gpu.Device, r *rand.Rand, result *gpu.Buffer, n int)) {
	t.Helper()
	for _, cfg := range configs {
		t.Run(cfg.name, func(t *testing.T) {
			dev := gputest.Open(t, cfg.opts)
			r := rand.New(rand.NewPCG(seed, seed+1))
			result := upload(t, dev, "result", []float32{7, 7, 7})
			for _, n := range vectorSizes {
				body(t, dev, r, result, n)
			}
			v := download(t, result, 3)
			for i := range v {
				if i != at && v[i] != 7 {
					t.Errorf("%s wrote outside its slot: %v", op, v)
					break
				}
			}
		})
	}
}

// reduction is a summing reduction of n elements: record records it, and
// its float64 reference is Σ term(i), i < n.
type reduction struct {
	op     string
	record func(*gpu.Batch) error
	term   func(i int) float64
}

// check runs c into result[at] and compares the result with the reference:
// float32 pairwise-ish accumulation errs by up to about
// sqrt(n)·2⁻²²·Σ|terms|. If bits is not nil, a second run must give the
// same bits, and so must the first configuration's result, kept in
// bits[op/n].
func (c reduction) check(t *testing.T, dev *gpu.Device, result *gpu.Buffer, at, n int, bits map[string]uint32) {
	t.Helper()
	want, abs := 0.0, 0.0
	for i := range n {
		want += c.term(i)
		abs += math.Abs(c.term(i))
	}
	got := runOnce(t, dev, result, at, c.record)
	if tol := math.Sqrt(float64(n)+1)*0x1p-22*abs + 1e-30; math.Abs(float64(got)-want) > tol {
		t.Errorf("%s n=%d: got %v, want %v (tolerance %g)", c.op, n, got, want, tol)
	}
	if bits == nil {
		return
	}
	if again := runOnce(t, dev, result, at, c.record); math.Float32bits(again) != math.Float32bits(got) {
		t.Errorf("%s n=%d not deterministic: %v then %v", c.op, n, got, again)
	}
	key := fmt.Sprintf("%s/%d", c.op, n)
	if prev, ok := bits[key]; ok && prev != math.Float32bits(got) {
		t.Errorf("%s n=%d: %v differs from the first configuration's %v", c.op, n, got, math.Float32frombits(prev))
	}
	bits[key] = math.Float32bits(got)
}

// TestReductions compares Batch.Sum and Batch.Dot with float64 references,
// and checks that they are deterministic and give the same bits in every
// configuration, the split one included.
func TestReductions(t *testing.T) {
	bits := map[string]uint32{}
	eachReduction(t, "reduction", 3, 2, func(t *testing.T, dev *gpu.Device, r *rand.Rand, result *gpu.Buffer, n int) {
		x, y := randVec(r, n), randVec(r, n)
		bx, by := upload(t, dev, "x", x), upload(t, dev, "y", y)
		for _, c := range []reduction{
			{"sum", func(b *gpu.Batch) error { return b.Sum(result, 2, bx, n) }, func(i int) float64 { return float64(x[i]) }},
			{"dot", func(b *gpu.Batch) error { return b.Dot(result, 2, bx, by, n) }, func(i int) float64 { return float64(x[i]) * float64(y[i]) }},
		} {
			c.check(t, dev, result, 2, n, bits)
		}
		bx.Close()
		by.Close()
	})
}
