package graphtest

import (
	"math/rand/v2"
	"testing"

	"github.com/vkstyle/vkstyle/graph"
)

// kernelCase is one kernel call on given inputs. Outputs start with the
// given contents (random): forward kernels must overwrite them, backward
// kernels add to them, and the comparison with the reference sees either.
type kernelCase struct {
	name     string
	tol      Tol
	in       [][]float32
	out      [][]float32
	outNames []string
	run      func(b graph.Backend, in, out []graph.Buffer)
}

// exec runs c on b and returns the downloaded outputs.
func exec(t testing.TB, b graph.Backend, c kernelCase) [][]float32 {
	t.Helper()
	var bufs []graph.Buffer
	defer func() {
		for _, buf := range bufs {
			b.Free(buf)
		}
	}()
	upload := func(vals [][]float32) []graph.Buffer {
		var out []graph.Buffer
		for i, v := range vals {
			buf, err := b.Alloc(len(v), c.name)
			if err != nil {
				t.Fatalf("Alloc %d: %v", i, err)
			}
			bufs = append(bufs, buf)
			if err := b.Upload(buf, v); err != nil {
				t.Fatalf("Upload %d: %v", i, err)
			}
			out = append(out, buf)
		}
		return out
	}
	in, out := upload(c.in), upload(c.out)
	c.run(b, in, out)
	res := make([][]float32, len(out))
	for i, buf := range out {
		res[i] = make([]float32, buf.Len())
		if err := b.Download(buf, res[i]); err != nil {
			t.Fatalf("Download %s: %v", c.outNames[i], err)
		}
	}
	return res
}

// compareCase runs c on b and on the reference and compares the outputs.
func compareCase(t *testing.T, b, ref graph.Backend, c kernelCase) {
	t.Run(c.name, func(t *testing.T) {
		want := exec(t, ref, c)
		got := exec(t, b, c)
		for i := range want {
			Compare(t, c.outNames[i], got[i], want[i], c.tol)
		}
	})
}

// gen makes deterministic test data.
type gen struct{ rng *rand.Rand }

func newGen(seed uint64) *gen { return &gen{rand.New(rand.NewPCG(seed, 0x766b7374796c65))} }

// normal returns n values ~ N(0, σ²).
func (g *gen) normal(n int, sigma float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(sigma * g.rng.NormFloat64())
	}
	return v
}

// randn returns n standard normal values.
func (g *gen) randn(n int) []float32 { return g.normal(n, 1) }
