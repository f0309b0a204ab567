package vkgraph_test

import (
	"fmt"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/vkgraph"
	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
	"github.com/vkstyle/vkstyle/graph/graphtest"
)

// tileShapes are the register tiles texelTile picks, which
// BenchmarkConvTile compares and TestConvTiles checks.
var tileShapes = [][2]int{{16, 4}, {4, 32}, {8, 16}, {16, 16}, {16, 8}, {32, 16}}

// TestConvTiles runs a forward convolution and a data gradient with many
// input channels (a long reduction: the case lavapipe got wrong with
// longer tiles), with channels and pixels that end inside tiles, with
// every tile against the reference, and checks the automatic choice.
func TestConvTiles(t *testing.T) {
	randn := normals(5, 9)
	ref := cpu.New()
	b := newBackendKernels(t, gpu.Options{}, vkgraph.FamilyTexel)
	for _, cout := range []int{3, 37} {
		p := graph.Conv2DParams{N: 1, CIn: 300, H: 9, W: 10, COut: cout, KH: 3, KW: 3, Stride: 1, Pad: 1}
		xn, wn, yn := p.XShape().Len(), p.WShape().Len(), p.YShape().Len()
		c := opCase{fmt.Sprintf("%d→%d", p.CIn, p.COut), graphtest.TolConv, false,
			[][]float32{randn(xn), randn(wn), randn(cout), randn(yn)}, [][]float32{randn(yn), randn(xn)}, []string{"y", "dx"},
			func(b graph.Backend, in, out []graph.Buffer) {
				b.Conv2DForward(in[0], in[1], in[2], out[0], p)
				b.Conv2DBackwardData(in[3], in[1], out[1], p)
			}}
		want := run(t, ref, c)
		for _, tile := range tileShapes {
			t.Run(fmt.Sprintf("%s/%dx%d", c.name, tile[0], tile[1]), func(t *testing.T) {
				b.SetConvTile(tile[0], tile[1])
				got := run(t, b, c)
				for i := range want {
					graphtest.Compare(t, c.outs[i], got[i], want[i], c.tol)
				}
			})
		}
	}
	b.SetConvTile(0, 0)
	if b.Stream().Device().Info.Type != gpu.CPU {
		return // the tile rule is lavapipe's; GPUs get 16×4
	}
	for _, c := range []struct {
		p    graph.Conv2DParams
		want [2]int
	}{
		{convParams(64, 64, 32), [2]int{16, 4}},    // 75 MFLOP
		{convParams(64, 3, 512), [2]int{4, 32}},    // 0.9 GFLOP
		{convParams(64, 64, 64), [2]int{16, 8}},    // 0.3 GFLOP
		{convParams(512, 512, 32), [2]int{32, 16}}, // 4.8 GFLOP
	} {
		if co, px := b.TexelTile(c.p); [2]int{co, px} != c.want {
			t.Errorf("tile for %d→%d at %d²: %d×%d, want %v", c.p.CIn, c.p.COut, c.p.H, co, px, c.want)
		}
	}
}

// BenchmarkConvTile compares conv2d_fwd's register tiles at VGG19 layer
// shapes for a 128×128 image (and the image gradient's 64→3), the
// measurements behind texelTile.
func BenchmarkConvTile(b *testing.B) {
	layers := []struct {
		name            string
		cin, cout, side int
	}{{"conv1_2", 64, 64, 128}, {"conv3_2", 256, 256, 32}, {"conv4_2", 512, 512, 16}, {"conv1_1-data", 64, 3, 128}}
	for _, l := range layers {
		p := convParams(l.cin, l.cout, l.side)
		flops := 2 * float64(l.cout*l.side*l.side*l.cin*9)
		for _, tile := range tileShapes {
			b.Run(fmt.Sprintf("%s/%dx%d", l.name, tile[0], tile[1]), func(b *testing.B) {
				benchKernel(b, vkgraph.FamilyTexel, flops, func(be *vkgraph.Backend, x []graph.Buffer) {
					be.SetConvTile(tile[0], tile[1])
					be.Conv2DForward(x[0], x[1], x[2], x[3], p)
				}, p.XShape().Len(), p.WShape().Len(), l.cout, p.YShape().Len())
			})
		}
	}
}
