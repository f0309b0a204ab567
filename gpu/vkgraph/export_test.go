package vkgraph

import (
	"fmt"

	"github.com/vkstyle/vkstyle/graph"
)

// SetConvTile fixes conv2d_fwd's register tile (output channels, pixels);
// zeros restore the automatic choice. Sides past maxTileSide panic: the
// kernel is wrong with them on lavapipe (texelTile).
func (b *Backend) SetConvTile(co, px int) {
	if co > maxTileSide || px > maxTileSide {
		panic(fmt.Sprintf("vkgraph: tile %d×%d has a side above %d", co, px, maxTileSide))
	}
	b.convTile = [2]int{co, px}
}

// TexelTile is the tile texelTile picks for p.
func (b *Backend) TexelTile(p graph.Conv2DParams) (co, px int) { return b.texelTile(p) }
