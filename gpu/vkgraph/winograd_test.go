package vkgraph_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
	"github.com/vkstyle/vkstyle/graph/graphtest"
)

// The conformance suite with every 3×3, stride-1, pad-1 forward
// convolution (zero and reflect padding, odd sizes, batches) run as
// Winograd F(2×2, 3×3), on this device and under the Vulkan minimum
// limits.
func TestBackendWinograd(t *testing.T) {
	b := newBackend(t, gpu.Options{})
	b.SetWinograd(true)
	graphtest.TestBackend(t, b)
}

func TestBackendWinogradMinimum(t *testing.T) {
	b := newBackend(t, gpu.Options{Limits: gpu.LimitsMinimum})
	b.SetWinograd(true)
	graphtest.TestBackend(t, b)
}

// Convolutions whose tiles take several chunks (64 output channels under
// the minimum's 65 536 texels: 64 tiles a chunk), a batch, against the
// reference, with the plan checked to be Winograd.
func TestWinogradChunks(t *testing.T) {
	b := newBackend(t, gpu.Options{Limits: gpu.LimitsMinimum})
	b.SetWinograd(true)
	ref := cpu.New()
	r := rand.New(rand.NewPCG(3, 4))
	for _, p := range []graph.Conv2DParams{
		{N: 1, CIn: 64, H: 33, W: 17, COut: 64, KH: 3, KW: 3, Stride: 1, Pad: 1, Reflect: true},
		{N: 2, CIn: 16, H: 33, W: 17, COut: 64, KH: 3, KW: 3, Stride: 1, Pad: 1, Reflect: true},
		{N: 1, CIn: 16, H: 40, W: 41, COut: 64, KH: 3, KW: 3, Stride: 1, Pad: 1},
	} {
		t.Run(fmt.Sprintf("%d→%d/%dx%d/n%d", p.CIn, p.COut, p.H, p.W, p.N), func(t *testing.T) {
			on, chunks := b.WinogradPlanned(p)
			if !on || chunks < 2 {
				t.Fatalf("planned Winograd %v in %d chunks, want several chunks", on, chunks)
			}
			rnd := func(n int, sd float64) []float32 {
				v := make([]float32, n)
				for i := range v {
					v[i] = float32(r.NormFloat64() * sd)
				}
				return v
			}
			x, w, bias := rnd(p.XShape().Len(), 1), rnd(p.WShape().Len(), 1/24.0), rnd(p.COut, 1)
			run := func(be graph.Backend) []float32 {
				bufs := make([]graph.Buffer, 4)
				for i, d := range [][]float32{x, w, bias, make([]float32, p.YShape().Len())} {
					bufs[i], _ = be.Alloc(len(d), "t")
					be.Upload(bufs[i], d)
					defer be.Free(bufs[i])
				}
				be.Conv2DForward(bufs[0], bufs[1], bufs[2], bufs[3], p)
				out := make([]float32, p.YShape().Len())
				if err := be.Download(bufs[3], out); err != nil {
					t.Fatal(err)
				}
				return out
			}
			graphtest.Compare(t, "y", run(b), run(ref), graphtest.TolConv)
		})
	}
}
