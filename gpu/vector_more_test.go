package gpu_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/gputest"
)

// TestAbsSum compares Batch.AbsSum with a float64 reference, and checks that
// it is deterministic and gives the same bits in every configuration.
func TestAbsSum(t *testing.T) {
	bits := map[string]uint32{}
	eachReduction(t, "asum", 5, 1, func(t *testing.T, dev *gpu.Device, r *rand.Rand, result *gpu.Buffer, n int) {
		x := randVec(r, n)
		bx := upload(t, dev, "x", x)
		// The terms are non-negative: Σ|terms| is the sum itself.
		reduction{"asum", func(b *gpu.Batch) error { return b.AbsSum(result, 1, bx, n) }, func(i int) float64 { return math.Abs(float64(x[i])) }}.check(t, dev, result, 1, n, bits)
		bx.Close()
	})
}

// TestMaxAbs checks Batch.MaxAbs exactly, on random data, on negative
// values, and with an infinity or a NaN placed at the start, the middle and
// the end (the last position of the largest size reaches the later passes
// through a partial group).
func TestMaxAbs(t *testing.T) {
	eachReduction(t, "maxabs", 7, 0, func(t *testing.T, dev *gpu.Device, r *rand.Rand, result *gpu.Buffer, n int) {
		x := randVec(r, n)
		bx := upload(t, dev, "x", x)
		defer bx.Close()
		record := func(b *gpu.Batch) error { return b.MaxAbs(result, 0, bx, n) }
		check := func(what string, x []float32) {
			t.Helper()
			var want float32
			for _, v := range x {
				a := float32(math.Abs(float64(v)))
				if a != a || want != want {
					want = float32(math.NaN())
				} else if a > want {
					want = a
				}
			}
			got := runOnce(t, dev, result, 0, record)
			if !(got == want || (math.IsNaN(float64(got)) && math.IsNaN(float64(want)))) {
				t.Errorf("maxabs n=%d %s: got %v, want %v", n, what, got, want)
			}
		}
		check("random", x)
		if n == 0 {
			return
		}
		neg := make([]float32, n)
		for i := range neg {
			neg[i] = -float32(i%1000 + 1)
		}
		if err := bx.WriteFloat32(0, neg); err != nil {
			t.Fatal(err)
		}
		check("negative", neg)
		if err := bx.WriteFloat32(0, x); err != nil {
			t.Fatal(err)
		}
		for _, special := range []float32{float32(math.Inf(-1)), float32(math.NaN())} {
			for _, at := range []int{0, n / 2, n - 1} {
				old := x[at]
				x[at] = special
				if err := bx.WriteFloat32(at, x[at:at+1]); err != nil {
					t.Fatal(err)
				}
				check(fmt.Sprintf("%v at %d", special, at), x)
				x[at] = old
				if err := bx.WriteFloat32(at, x[at:at+1]); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// TestReductionsTinyBinding runs every reduction under a 4 KiB binding
// range, below one default reduction group (256·16 elements): the group
// shrinks to fit a binding, and the input is split across many dispatches.
func TestReductionsTinyBinding(t *testing.T) {
	dev := gputest.Open(t, gpu.Options{MaxBindingRange: 4096})
	r := rand.New(rand.NewPCG(9, 10))
	result := upload(t, dev, "result", []float32{0})
	for _, n := range []int{1, 13, 4097, 100003} {
		x, y := randVec(r, n), randVec(r, n)
		x[n/2] = -7 // the largest |x_i| (randVec's values are N(0, 1))
		bx, by := upload(t, dev, "x", x), upload(t, dev, "y", y)
		for _, c := range []reduction{
			{"sum", func(b *gpu.Batch) error { return b.Sum(result, 0, bx, n) }, func(i int) float64 { return float64(x[i]) }},
			{"dot", func(b *gpu.Batch) error { return b.Dot(result, 0, bx, by, n) }, func(i int) float64 { return float64(x[i]) * float64(y[i]) }},
			{"asum", func(b *gpu.Batch) error { return b.AbsSum(result, 0, bx, n) }, func(i int) float64 { return math.Abs(float64(x[i])) }},
		} {
			c.check(t, dev, result, 0, n, nil)
		}
		if got := runOnce(t, dev, result, 0, func(b *gpu.Batch) error { return b.MaxAbs(result, 0, bx, n) }); got != 7 {
			t.Errorf("maxabs n=%d: got %v, want 7", n, got)
		}
		bx.Close()
		by.Close()
	}
}
