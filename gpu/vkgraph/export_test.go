package vkgraph

import (
	"fmt"

	"github.com/vkstyle/vkstyle/gpu"
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

// LimitGroupCount lowers the device's maxComputeWorkGroupCount[0] as this
// backend sees it, so that tests reach the folded grids.
func (b *Backend) LimitGroupCount(n uint32) { b.dev.Info.MaxWorkGroupCount[0] = n }

// GramSlices is gramSlices.
func GramSlices(c, hw int) int { return gramSlices(c, hw) }

// SubgroupWeights is subgroupWeights.
func SubgroupWeights(info *gpu.DeviceInfo) bool { return subgroupWeights(info) }

// SetWinograd forces the Winograd path on (wherever it applies, whatever
// the size) or off; WinogradPlanned says whether p would take it.
func (b *Backend) SetWinograd(on bool) {
	b.winograd = winoOff
	if on {
		b.winograd = winoOn
	}
}

// WinogradPlanned reports whether Conv2DForward runs p as Winograd, and
// in how many chunks of tiles per image.
func (b *Backend) WinogradPlanned(p graph.Conv2DParams) (bool, int) {
	pl, ok := b.useWinograd(p)
	if !ok {
		return false, 0
	}
	return true, (pl.tiles + pl.chunk - 1) / pl.chunk
}
