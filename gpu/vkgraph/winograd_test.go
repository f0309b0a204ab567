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
// the minimum's 65 536 texels: 64 tiles a chunk), a batch, forward and
// data gradient, against the reference, with the plan checked to be
// Winograd.
func TestWinogradChunks(t *testing.T) {
	b := newBackend(t, gpu.Options{Limits: gpu.LimitsMinimum})
	b.SetWinograd(true)
	ref := cpu.New()
	r := rand.New(rand.NewPCG(3, 4))
	for _, p := range []graph.Conv2DParams{
		{N: 1, CIn: 64, H: 33, W: 17, COut: 64, KH: 3, KW: 3, Stride: 1, Pad: 1, Reflect: true},
		{N: 2, CIn: 16, H: 33, W: 17, COut: 64, KH: 3, KW: 3, Stride: 1, Pad: 1, Reflect: true},
		{N: 1, CIn: 16, H: 40, W: 41, COut: 64, KH: 3, KW: 3, Stride: 1, Pad: 1},
		{N: 2, CIn: 64, H: 21, W: 19, COut: 16, KH: 3, KW: 3, Stride: 1, Pad: 1},
	} {
		t.Run(fmt.Sprintf("%d→%d/%dx%d/n%d", p.CIn, p.COut, p.H, p.W, p.N), func(t *testing.T) {
			on, chunks := b.WinogradPlanned(p)
			tr := graph.Conv2DParams{N: p.N, CIn: p.COut, H: p.H, W: p.W, COut: p.CIn, KH: 3, KW: 3, Stride: 1, Pad: 1}
			onT, chunksT := b.WinogradPlanned(tr)
			if !on || max(chunks, chunksT) < 2 {
				t.Fatalf("planned Winograd %v in %d chunks, data gradient %v in %d; want Winograd, in several chunks", on, chunks, onT, chunksT)
			}
			rnd := func(n int, sd float64) []float32 {
				v := make([]float32, n)
				for i := range v {
					v[i] = float32(r.NormFloat64() * sd)
				}
				return v
			}
			x, w, bias := rnd(p.XShape().Len(), 1), rnd(p.WShape().Len(), 1/24.0), rnd(p.COut, 1)
			dy, dx := rnd(p.YShape().Len(), 1), rnd(p.XShape().Len(), 1)
			// y = conv(x, w) + bias, and dx += the data gradient of dy
			// (Winograd too when the padding is zeros).
			run := func(be graph.Backend) (y, gx []float32) {
				bufs := make([]graph.Buffer, 6)
				for i, d := range [][]float32{x, w, bias, make([]float32, p.YShape().Len()), dy, dx} {
					bufs[i], _ = be.Alloc(len(d), "t")
					be.Upload(bufs[i], d)
					defer be.Free(bufs[i])
				}
				be.Conv2DForward(bufs[0], bufs[1], bufs[2], bufs[3], p)
				be.Conv2DBackwardData(bufs[4], bufs[1], bufs[5], p)
				y, gx = make([]float32, p.YShape().Len()), make([]float32, p.XShape().Len())
				if err := be.Download(bufs[3], y); err != nil {
					t.Fatal(err)
				}
				if err := be.Download(bufs[5], gx); err != nil {
					t.Fatal(err)
				}
				return y, gx
			}
			y, gx := run(b)
			wy, wgx := run(ref)
			graphtest.Compare(t, "y", y, wy, graphtest.TolConv)
			graphtest.Compare(t, "dx", gx, wgx, graphtest.TolConv)
		})
	}
}

// Within SetScratchLimit the Winograd scratch is bounded (ScratchBound),
// a convolution takes more, smaller chunks and gives the same result, and
// one whose filter transform alone passes the bound runs direct.
func TestWinogradScratchLimit(t *testing.T) {
	b := newBackend(t, gpu.Options{})
	b.SetWinograd(true)
	// Small enough for SwiftShader's 65536 texels, large enough to chunk.
	p := graph.Conv2DParams{N: 1, CIn: 16, H: 48, W: 48, COut: 16, KH: 3, KW: 3, Stride: 1, Pad: 1}
	_, free := b.WinogradPlanned(p)
	const limit = 256 << 10
	b.SetScratchLimit(limit)
	if got := b.ScratchBound(); got > limit || got == 0 {
		t.Errorf("scratch bound %d within a limit of %d", got, limit)
	}
	on, chunks := b.WinogradPlanned(p)
	if !on || chunks <= free {
		t.Errorf("within the limit: Winograd %v in %d chunks (%d without it); want more, smaller chunks", on, chunks, free)
	}
	big := graph.Conv2DParams{N: 1, CIn: 256, H: 16, W: 16, COut: 256, KH: 3, KW: 3, Stride: 1, Pad: 1}
	if on, _ := b.WinogradPlanned(big); on {
		t.Errorf("a 256→256 filter transform (4 MiB) within an 85 KiB buffer: planned as Winograd")
	}
	rnd := normals(5, 6)
	x, w, bias := rnd(p.XShape().Len()), rnd(p.WShape().Len()), rnd(p.COut)
	run := func(be graph.Backend) []float32 {
		var bufs []graph.Buffer
		for _, d := range [][]float32{x, w, bias, make([]float32, p.YShape().Len())} {
			buf, _ := be.Alloc(len(d), "t")
			be.Upload(buf, d)
			bufs = append(bufs, buf)
			defer be.Free(buf)
		}
		be.Conv2DForward(bufs[0], bufs[1], bufs[2], bufs[3], p)
		y := make([]float32, p.YShape().Len())
		if err := be.Download(bufs[3], y); err != nil {
			t.Fatal(err)
		}
		return y
	}
	graphtest.Compare(t, "y", run(b), run(cpu.New()), graphtest.TolConv)
}
