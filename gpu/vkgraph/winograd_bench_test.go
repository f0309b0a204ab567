package vkgraph_test

import (
	"fmt"
	"testing"

	"github.com/vkstyle/vkstyle/gpu/vkgraph"
	"github.com/vkstyle/vkstyle/graph"
)

// BenchmarkWinograd times 3×3 convolutions (reflect padded) direct and as
// Winograd F(2×2, 3×3), texel family; GFLOP/s counts the direct
// convolution's 2·MACs for both, so the ratio is the speed-up.
func BenchmarkWinograd(b *testing.B) {
	for _, c := range []struct{ cin, cout, side int }{{128, 128, 64}, {64, 64, 256}, {512, 512, 32}, {32, 64, 128}, {256, 256, 16}, {512, 512, 8}} {
		p := graph.Conv2DParams{N: 1, CIn: c.cin, H: c.side, W: c.side, COut: c.cout, KH: 3, KW: 3, Stride: 1, Pad: 1, Reflect: true}
		for _, on := range []bool{false, true} {
			b.Run(fmt.Sprintf("%dx%d@%d/wino=%v", c.cin, c.cout, c.side, on), func(b *testing.B) {
				benchKernel(b, vkgraph.FamilyTexel, 2*float64(c.cin*c.cout*9*c.side*c.side), func(be *vkgraph.Backend, bufs []graph.Buffer) {
					be.SetWinograd(on)
					be.Conv2DForward(bufs[0], bufs[1], nil, bufs[2], p)
				}, p.XShape().Len(), p.WShape().Len(), p.YShape().Len())
			})
		}
	}
}
