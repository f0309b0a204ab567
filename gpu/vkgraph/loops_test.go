package vkgraph_test

import (
	"math"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/gputest"
	"github.com/vkstyle/vkstyle/gpu/vkgraph"
	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
)

// longCase runs f on the GPU backend b and the float64 reference with
// inputs ins and zeroed outputs of the lengths outs, and returns the
// largest difference of each output over its largest element.
func longCase(t *testing.T, b graph.Backend, ins [][]float32, outs []int, f func(bk graph.Backend, in, out []graph.Buffer)) []float64 {
	t.Helper()
	var res [2][][]float32
	for k, bk := range []graph.Backend{b, cpu.New64()} {
		var ib, ob []graph.Buffer
		for _, d := range ins {
			x, err := bk.Alloc(len(d), "in")
			if err != nil {
				t.Fatal(err)
			}
			bk.Upload(x, d)
			ib = append(ib, x)
		}
		for _, n := range outs {
			x, err := bk.Alloc(n, "out")
			if err != nil {
				t.Fatal(err)
			}
			bk.Fill(x, 0)
			ob = append(ob, x)
		}
		f(bk, ib, ob)
		for _, x := range ob {
			v := make([]float32, x.Len())
			if err := bk.Download(x, v); err != nil {
				t.Fatal(err)
			}
			res[k] = append(res[k], v)
		}
		for _, x := range append(ib, ob...) {
			bk.Free(x)
		}
	}
	var rel []float64
	for i := range res[0] {
		var d, m float64
		for j := range res[0][i] {
			d = math.Max(d, math.Abs(float64(res[0][i][j]-res[1][i][j])))
			m = math.Max(m, math.Abs(float64(res[1][i][j])))
		}
		rel = append(rel, d/m)
	}
	return rel
}

// Sums longer than llvmpipe's 65535 loop iterations per invocation (see
// shaders/common.glsl) come out whole: before, a Gram matrix over more
// than 2^18 positions (2^14 with scalar texels) summed only the first
// ones, and lavapipe gave wrong style losses at 640×576 and above.
func TestLongSums(t *testing.T) {
	b := newBackend(t, gpu.Options{})
	randn := normals(1, 2)
	check := func(name string, rel []float64, tol float64) {
		t.Helper()
		for i, d := range rel {
			if d > tol {
				t.Errorf("%s output %d: differs from the reference by %.3g of its largest element", name, i, d)
			}
		}
	}
	// Features ≥ 0 like a ReLU's, so that a short sum shows.
	abs := func(v []float32) []float32 {
		for i := range v {
			v[i] = float32(math.Abs(float64(v[i])))
		}
		return v
	}
	for _, s := range []graph.Shape{graph.NCHW(1, 5, 301, 301), graph.NCHW(1, 4, 256, 260), graph.NCHW(1, 3, 255, 257)} {
		check("Gram "+s.String(), longCase(t, b, [][]float32{abs(randn(s.Len()))}, []int{s.C * s.C},
			func(bk graph.Backend, in, out []graph.Buffer) { bk.GramForward(in[0], out[0], s) }), 1e-5)
	}
	p := graph.Conv2DParams{N: 1, CIn: 2, H: 300, W: 301, COut: 2, KH: 3, KW: 3, Stride: 1, Pad: 1}
	n := p.XShape().Len()
	check("conv backward bias and weight", longCase(t, b, [][]float32{randn(n), abs(randn(n))}, []int{2, 2 * 2 * 9},
		func(bk graph.Backend, in, out []graph.Buffer) {
			bk.Conv2DBackwardBias(in[1], out[0], p)
			bk.Conv2DBackwardWeight(in[0], in[1], out[1], p)
		}), 1e-5)
	sp := graph.StatsParams{N: 1, C: 1, H: 3000, W: 3001}
	check("ChannelMeanStd 3000×3001", longCase(t, b, [][]float32{randn(sp.H * sp.W)}, []int{1, 1},
		func(bk graph.Backend, in, out []graph.Buffer) { bk.ChannelMeanStdForward(in[0], out[0], out[1], sp) }), 1e-5)
}

// On llvmpipe a sum that unrolling cannot bring within the budget is an
// error, not a wrong result.
func TestLoopBudgetRefused(t *testing.T) {
	dev := gputest.Open(t, gpu.Options{})
	b, err := vkgraph.New(dev, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if !strings.Contains(dev.Info.DriverName, "llvmpipe") {
		t.Skip("only llvmpipe limits loops")
	}
	p := graph.Conv2DParams{N: 1, CIn: 1, H: 1024, W: 1024, COut: 1, KH: 1, KW: 1, Stride: 1}
	dy, _ := b.Alloc(p.YShape().Len(), "dy")
	db, _ := b.Alloc(1, "db")
	defer b.Free(dy)
	defer b.Free(db)
	b.Fill(dy, 1)
	b.Fill(db, 0)
	b.Conv2DBackwardBias(dy, db, p)
	err = b.Download(db, make([]float32, 1))
	if err == nil || !strings.Contains(err.Error(), "loop iterations") {
		t.Errorf("bias gradient over 2^20 pixels on llvmpipe: %v, want the loop budget's error", err)
	}
}
