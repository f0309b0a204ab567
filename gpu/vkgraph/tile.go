package vkgraph

import (
	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// texelTile returns the register tile of conv2d_fwd (output channels ×
// consecutive output pixels per invocation) for p (the transposed
// convolution for a data gradient).
//
// Measured on lavapipe (BenchmarkConvTile; docs/BENCHMARKS.md): each x
// texel an invocation reads serves co channels and each weight px pixels,
// so larger tiles run faster: 32×16 at 40–48 GFLOP/s, 16×8 at 26–33, 16×4
// at 24–27 on VGG19's layers.
// But lavapipe compiles a tile's unrolled code again for some changes of
// the bound buffers, each time taking about 0.2 s for 16×4, 0.5 s for
// 16×8 and 7 s for 32×16 (Mesa caches them on disk afterwards): the large
// tiles are for convolutions with the work to pay for that, ≥ 1 GFLOP
// (VGG19's layers from about a 256² image up). A tile never holds many
// more channels than the convolution has (the rest would be repeated
// work), so few output channels get short, wide tiles.
//
// Neither side may pass maxTileSide: lavapipe leaves loops longer than 32
// rolled and then computes wrong sums (every element off, found with a
// 512→64 convolution).
func (b *Backend) texelTile(p graph.Conv2DParams) (co, px int) {
	if b.convTile != [2]int{} {
		return b.convTile[0], b.convTile[1]
	}
	if b.dev.Info.Type != gpu.CPU {
		// Measured on lavapipe only; on a GPU (the texel family asked
		// for) large tiles would spill registers.
		return 16, 4
	}
	work := 2 * float64(p.OutH()*p.OutW()) * float64(p.CIn*p.COut*p.KH*p.KW)
	switch {
	case work < 0.25e9:
		return 16, 4
	case p.COut <= 4:
		return 4, 32
	case p.COut <= 8:
		return 8, 16
	case p.COut < 32:
		return 16, 16
	case work < 1e9:
		return 16, 8
	}
	return 32, 16
}

// maxTileSide bounds both sides of conv2d_fwd's register tile (texelTile).
const maxTileSide = 32
