package gpu_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/gputest"
)

// Combine adds its terms as a chain of fma from zero, bit for bit (or with
// the products rounded first, which Vulkan allows), across the dispatches
// that more vectors than one binds take, and under the minimum limits' 4
// storage buffers; DotsTo's products are symmetric and the same bits
// whichever vectors share a dispatch, on either side.
func TestMultiVector(t *testing.T) {
	cfgs := append(configs[:len(configs):len(configs)], struct {
		name string
		opts gpu.Options
	}{"minimum", gpu.Options{Limits: gpu.LimitsMinimum}})
	cfgs = append(cfgs, struct {
		name string
		opts gpu.Options
	}{"few partials", gpu.Options{}}) // DotsTo in several passes
	for _, cfg := range cfgs {
		t.Run(cfg.name, func(t *testing.T) {
			if cfg.name == "few partials" {
				defer gpu.SetDotsPartialsCap(64)()
			}
			dev := gputest.Open(t, cfg.opts)
			r := rand.New(rand.NewPCG(3, 4))
			for _, n := range []int{1, 13, 4097, 70000} {
				for _, many := range []int{1, 4, 17} {
					t.Run(fmt.Sprintf("n=%d/vectors=%d", n, many), func(t *testing.T) {
						a := randVec(r, n)
						ba := upload(t, dev, "a", a)
						xs, bs := make([][]float32, many), make([]*gpu.Buffer, many)
						c := make([]float32, many)
						for j := range many {
							xs[j], c[j] = randVec(r, n), float32(r.NormFloat64())
							bs[j] = upload(t, dev, "x", xs[j])
						}
						y := upload(t, dev, "y", randVec(r, n))
						dots := upload(t, dev, "dots", make([]float32, many+2))
						back := upload(t, dev, "back", make([]float32, 1))
						grid := upload(t, dev, "grid", make([]float32, 4*many))
						run(t, dev, func(b *gpu.Batch) error {
							if err := b.Combine(y, c, bs, n); err != nil {
								return err
							}
							if err := b.DotsTo(dots, 1, []*gpu.Buffer{ba}, bs, n); err != nil {
								return err
							}
							if err := b.DotsTo(grid, 0, []*gpu.Buffer{bs[0], ba, bs[many-1], ba}, bs, n); err != nil {
								return err
							}
							return b.DotsTo(back, 0, bs[many-1:], []*gpu.Buffer{ba}, n)
						})
						got := download(t, y, n)
						for i := range n {
							fused, split := float32(0), float32(0)
							for j := range many {
								fused = fma32(c[j], xs[j][i], fused)
								split += c[j] * xs[j][i]
							}
							if got[i] != fused && got[i] != split {
								t.Fatalf("combine: element %d: got %v, want %v (fused) or %v", i, got[i], fused, split)
							}
						}
						d := download(t, dots, many+2)
						if d[0] != 0 || d[many+1] != 0 {
							t.Errorf("dots wrote outside its range: %v", d)
						}
						for j := range many {
							var want, scale float64
							for i := range n {
								want += float64(a[i]) * float64(xs[j][i])
								scale += math.Abs(float64(a[i]) * float64(xs[j][i]))
							}
							if math.Abs(float64(d[1+j])-want) > 1e-5*scale {
								t.Errorf("dots %d: got %v, want %v", j, d[1+j], want)
							}
						}
						if b := download(t, back, 1)[0]; b != d[many] {
							t.Errorf("dots: b·a = %v, a·b = %v among %d", b, d[many], many)
						}
						// Four vectors' products with many: a's rows are the
						// lone a's, and x₀·x_last is x_last·x₀.
						gr := download(t, grid, 4*many)
						for j := range many {
							if gr[many+j] != d[1+j] || gr[3*many+j] != d[1+j] {
								t.Fatalf("dots of 4 with %d: a·x%d = %v and %v, alone %v", many, j, gr[many+j], gr[3*many+j], d[1+j])
							}
						}
						if gr[many-1] != gr[2*many] {
							t.Errorf("dots of 4 with %d: x₀·x_last = %v, x_last·x₀ = %v", many, gr[many-1], gr[2*many])
						}
					})
				}
			}
		})
	}
}

// run records into a new batch and submits it.
func run(t *testing.T, dev *gpu.Device, record func(*gpu.Batch) error) {
	t.Helper()
	b, err := dev.NewBatch()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := record(b); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(); err != nil {
		t.Fatal(err)
	}
}
