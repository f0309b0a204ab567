package graphtest

import (
	"fmt"
	"math"
	"testing"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
)

// Shapes is the table of awkward shapes every kernel is tested on:
// channels 1, 3 and 13 (not a multiple of 4), sizes 1×1, 7×9 and 33×17
// (odd, not square), and a batch of 2.
var Shapes = []graph.Shape{
	graph.NCHW(1, 1, 1, 1), graph.NCHW(1, 3, 1, 1), graph.NCHW(1, 13, 1, 1),
	graph.NCHW(1, 1, 7, 9), graph.NCHW(1, 3, 7, 9), graph.NCHW(1, 13, 7, 9),
	graph.NCHW(1, 1, 33, 17), graph.NCHW(1, 3, 33, 17), graph.NCHW(1, 13, 33, 17),
	graph.NCHW(2, 3, 7, 9),
}

// ConvCases is the table of convolutions tested: 1, 3 and 13 channels in
// and out, kernels 1×1, 3×3, 5×5, 1×3 and 2×2, strides 1 and 2, zero and
// reflect padding, with and without bias.
var ConvCases = []graph.Conv2DParams{
	{N: 1, CIn: 1, H: 1, W: 1, COut: 1, KH: 1, KW: 1, Stride: 1},
	{N: 1, CIn: 1, H: 1, W: 1, COut: 3, KH: 3, KW: 3, Stride: 1, Pad: 1},
	{N: 1, CIn: 3, H: 7, W: 9, COut: 13, KH: 3, KW: 3, Stride: 1, Pad: 1},
	{N: 1, CIn: 3, H: 7, W: 9, COut: 13, KH: 3, KW: 3, Stride: 1, Pad: 1, Reflect: true},
	{N: 1, CIn: 13, H: 7, W: 9, COut: 3, KH: 3, KW: 3, Stride: 2, Pad: 1},
	{N: 1, CIn: 13, H: 7, W: 9, COut: 3, KH: 3, KW: 3, Stride: 2, Pad: 1, Reflect: true},
	{N: 1, CIn: 3, H: 7, W: 9, COut: 1, KH: 3, KW: 3, Stride: 1},
	{N: 1, CIn: 1, H: 7, W: 9, COut: 13, KH: 1, KW: 1, Stride: 2},
	{N: 1, CIn: 3, H: 7, W: 9, COut: 3, KH: 1, KW: 3, Stride: 1, Pad: 1, Reflect: true},
	{N: 1, CIn: 3, H: 7, W: 9, COut: 3, KH: 2, KW: 2, Stride: 2},
	{N: 2, CIn: 3, H: 7, W: 9, COut: 3, KH: 3, KW: 3, Stride: 1, Pad: 1, Reflect: true},
	{N: 1, CIn: 3, H: 33, W: 17, COut: 3, KH: 3, KW: 3, Stride: 1, Pad: 1, Reflect: true},
	{N: 1, CIn: 13, H: 33, W: 17, COut: 13, KH: 3, KW: 3, Stride: 2, Pad: 1},
	{N: 1, CIn: 3, H: 33, W: 17, COut: 1, KH: 5, KW: 5, Stride: 2, Pad: 2, Reflect: true},
}

// ResizeCases is the table of bilinear resizes tested: up, down, by an
// exact factor, to and from 1×1.
var ResizeCases = []graph.ResizeParams{
	{N: 1, C: 3, InH: 7, InW: 9, OutH: 33, OutW: 17},
	{N: 1, C: 13, InH: 33, InW: 17, OutH: 7, OutW: 9},
	{N: 1, C: 1, InH: 7, InW: 9, OutH: 14, OutW: 18},
	{N: 1, C: 3, InH: 33, InW: 17, OutH: 16, OutW: 8},
	{N: 1, C: 1, InH: 1, InW: 1, OutH: 7, OutW: 9},
	{N: 2, C: 3, InH: 7, InW: 9, OutH: 1, OutW: 1},
	{N: 1, C: 13, InH: 7, InW: 9, OutH: 7, OutW: 9},
}

// TestBackend compares every kernel of b with the reference backend on
// the shape tables, checks the subgradients at kinks and runs a whole
// forward and backward graph on both.
func TestBackend(t *testing.T, b graph.Backend) {
	ref := cpu.New()
	for _, c := range kernelCases() {
		compareCase(t, b, ref, c)
	}
	for _, c := range kinkCases() {
		t.Run("kinks/"+c.name, func(t *testing.T) {
			got := exec(t, b, c.kernelCase)
			for i, w := range c.want {
				Compare(t, c.outNames[i], got[i], w, TolExact)
			}
		})
	}
	t.Run("net", func(t *testing.T) { testNet(t, b, ref) })
	if ref.Live() != 0 {
		t.Errorf("reference backend leaked %d buffers", ref.Live())
	}
}

func kernelCases() []kernelCase {
	g := newGen(1)
	var cs []kernelCase
	add := func(c kernelCase) { cs = append(cs, c) }
	for _, n := range []int{1, 189, 7293} {
		x, y := g.randn(n), g.randn(n)
		add(kernelCase{fmt.Sprintf("Fill/%d", n), TolExact, nil, [][]float32{y}, []string{"y"},
			func(b graph.Backend, in, out []graph.Buffer) { b.Fill(out[0], -2.5) }})
		add(kernelCase{fmt.Sprintf("Copy/%d", n), TolExact, [][]float32{x}, [][]float32{y}, []string{"y"},
			func(b graph.Backend, in, out []graph.Buffer) { b.Copy(out[0], in[0]) }})
		add(kernelCase{fmt.Sprintf("Axpy/%d", n), TolElementwise, [][]float32{x}, [][]float32{y}, []string{"y"},
			func(b graph.Backend, in, out []graph.Buffer) { b.Axpy(out[0], 0.37, in[0]) }})
		add(kernelCase{fmt.Sprintf("Scale/%d", n), TolElementwise, nil, [][]float32{y}, []string{"y"},
			func(b graph.Backend, in, out []graph.Buffer) { b.Scale(out[0], -1.7) }})
	}
	for _, s := range Shapes {
		n, nc := s.Len(), s.N*s.C
		add(kernelCase{"ReLU/" + s.String(), TolExact, [][]float32{g.randn(n), g.randn(n)}, [][]float32{g.randn(n), g.randn(n)},
			[]string{"y", "dx"}, func(b graph.Backend, in, out []graph.Buffer) {
				b.ReLUForward(in[0], out[0])
				b.ReLUBackward(out[0], in[1], out[1])
			}})
		add(kernelCase{"Gram/" + s.String(), TolReduce, [][]float32{g.randn(n), g.randn(s.N * s.C * s.C)},
			[][]float32{g.randn(s.N * s.C * s.C), g.randn(n)}, []string{"g", "dx"},
			func(b graph.Backend, in, out []graph.Buffer) {
				b.GramForward(in[0], out[0], s)
				b.GramBackward(in[0], in[1], out[1], s)
			}})
		add(kernelCase{"MSE/" + s.String(), TolReduce, [][]float32{g.randn(n), g.randn(n), g.randn(1)},
			[][]float32{g.randn(1), g.randn(n)}, []string{"loss", "dx"},
			func(b graph.Backend, in, out []graph.Buffer) {
				b.MSEForward(in[0], in[1], out[0])
				b.MSEBackward(in[0], in[1], in[2], out[1])
			}})
		add(kernelCase{"TV/" + s.String(), TolReduce, [][]float32{g.randn(n), g.randn(1)},
			[][]float32{g.randn(1), g.randn(n)}, []string{"loss", "dx"},
			func(b graph.Backend, in, out []graph.Buffer) {
				b.TVForward(in[0], out[0], s)
				b.TVBackward(in[0], in[1], out[1], s)
			}})
		for _, st := range []struct {
			eps      float32
			unbiased bool
		}{{0, false}, {1e-5, false}, {1e-5, true}} {
			if st.unbiased && s.H*s.W < 2 {
				continue
			}
			p := graph.StatsParams{N: s.N, C: s.C, H: s.H, W: s.W, Eps: st.eps, Unbiased: st.unbiased}
			x := g.randn(n)
			for i := range x {
				x[i] = 2*x[i] + float32(i/(s.H*s.W)) // a different mean per channel
			}
			add(kernelCase{fmt.Sprintf("ChannelMeanStd/%v/eps=%g/unbiased=%v", s, st.eps, st.unbiased), TolReduce,
				[][]float32{x, g.randn(nc), g.randn(nc)}, [][]float32{g.randn(nc), g.randn(nc), g.randn(n)},
				[]string{"mean", "std", "dx"}, func(b graph.Backend, in, out []graph.Buffer) {
					b.ChannelMeanStdForward(in[0], out[0], out[1], p)
					b.ChannelMeanStdBackward(in[0], out[0], out[1], in[1], in[2], out[2], p)
				}})
		}
		for _, perImage := range []bool{false, true} {
			p := graph.AffineParams{N: s.N, C: s.C, H: s.H, W: s.W, PerImage: perImage}
			k := p.ScaleLen()
			std := g.randn(nc)
			for i := range std {
				std[i] = 0.5 + float32(math.Abs(float64(std[i])))
			}
			x, mean, scale, shift, dy := g.randn(n), g.randn(nc), g.randn(k), g.randn(k), g.randn(n)
			add(kernelCase{fmt.Sprintf("ChannelAffine/%v/perImage=%v", s, perImage), TolReduce,
				[][]float32{x, mean, std, scale, shift, dy},
				[][]float32{g.randn(n), g.randn(n), g.randn(nc), g.randn(nc), g.randn(k), g.randn(k)},
				[]string{"y", "dx", "dmean", "dstd", "dscale", "dshift"}, func(b graph.Backend, in, out []graph.Buffer) {
					b.ChannelAffineForward(in[0], in[1], in[2], in[3], in[4], out[0], p)
					b.ChannelAffineBackwardData(in[5], in[2], in[3], out[1], p)
					b.ChannelAffineBackwardStats(in[0], in[1], in[2], in[3], in[5], out[2], out[3], p)
					b.ChannelAffineBackwardScale(in[0], in[1], in[2], in[5], out[4], out[5], p)
				}})
		}
		for _, scale := range []int{1, 2, 3} {
			if scale > 1 && s.H*s.W*scale*scale > 1024 {
				continue // an output plane must fit the split suites' 4 KiB bindings
			}
			p := graph.UpsampleParams{N: s.N, C: s.C, H: s.H, W: s.W, Scale: scale}
			m := p.OutShape().Len()
			add(kernelCase{fmt.Sprintf("UpsampleNearest/%v/x%d", s, scale), TolElementwise,
				[][]float32{g.randn(n), g.randn(m)}, [][]float32{g.randn(m), g.randn(n)}, []string{"y", "dx"},
				func(b graph.Backend, in, out []graph.Buffer) {
					b.UpsampleNearestForward(in[0], out[0], p)
					b.UpsampleNearestBackward(in[1], out[1], p)
				}})
		}
		mask := g.randn(s.H * s.W)
		mask[0] = 0 // a pixel outside the region
		add(kernelCase{"Mask/" + s.String(), TolElementwise, [][]float32{g.randn(n), mask, g.randn(n)},
			[][]float32{g.randn(n), g.randn(n)}, []string{"y", "dx"},
			func(b graph.Backend, in, out []graph.Buffer) {
				b.MaskForward(in[0], in[1], out[0], s)
				b.MaskBackward(in[2], in[1], out[1], s)
			}})
		// Sorting: distinct values, and values from a few levels, whose
		// ties the index breaks. perm is a float copy of indices: exact.
		ties := g.randn(n)
		for i := range ties {
			ties[i] = float32(math.Round(float64(ties[i]) * 2))
		}
		for _, c := range []struct {
			name string
			x    []float32
		}{{"Sort/", g.randn(n)}, {"Sort/ties/", ties}} {
			x := c.x
			add(kernelCase{c.name + s.String(), TolExact, [][]float32{x}, [][]float32{g.randn(n), g.randn(n)}, []string{"y", "perm"},
				func(b graph.Backend, in, out []graph.Buffer) { b.SortForward(in[0], out[0], out[1], s) }})
		}
		perm := make([]float32, n)
		for p := 0; p < s.N*s.C; p++ {
			plane := s.H * s.W
			for i, j := range g.rng.Perm(plane) {
				perm[p*plane+i] = float32(j)
			}
		}
		add(kernelCase{"SortBackward/" + s.String(), TolElementwise, [][]float32{perm, g.randn(n)}, [][]float32{g.randn(n)}, []string{"dx"},
			func(b graph.Backend, in, out []graph.Buffer) { b.SortBackward(in[0], in[1], out[0], s) }})
		// Gather to a longer and a shorter plane, every index inside.
		for _, m := range []int{min(2*s.H*s.W+1, 1000), max(1, s.H*s.W/3)} { // a plane must fit the split suites' 4 KiB bindings
			o := graph.NCHW(s.N, s.C, 1, m)
			idx := make([]float32, m)
			for i := range idx {
				idx[i] = float32(g.rng.IntN(s.H * s.W))
			}
			add(kernelCase{fmt.Sprintf("Gather/%v/%d", s, m), TolExact, [][]float32{g.randn(n), idx}, [][]float32{g.randn(o.Len())}, []string{"y"},
				func(b graph.Backend, in, out []graph.Buffer) { b.GatherForward(in[0], in[1], out[0], s, o) }})
		}
		// Gather's backward: distinct indices, a selection of half the plane.
		sel := g.rng.Perm(s.H * s.W)[:max(1, s.H*s.W/2)]
		so := graph.NCHW(s.N, s.C, 1, len(sel))
		selIdx := make([]float32, len(sel))
		for i, j := range sel {
			selIdx[i] = float32(j)
		}
		add(kernelCase{"GatherBackward/" + s.String(), TolElementwise, [][]float32{selIdx, g.randn(so.Len())}, [][]float32{g.randn(n)}, []string{"dx"},
			func(b graph.Backend, in, out []graph.Buffer) { b.GatherBackward(in[0], in[1], out[0], s, so) }})
		add(kernelCase{"Dot/" + s.String(), TolReduce, [][]float32{g.randn(n), g.randn(n), g.randn(1)},
			[][]float32{g.randn(1), g.randn(n)}, []string{"out", "dx"},
			func(b graph.Backend, in, out []graph.Buffer) {
				b.DotForward(in[0], in[1], out[0])
				b.DotBackward(in[1], in[2], out[1])
			}})
		if s.H < 2 || s.W < 2 {
			continue
		}
		m := graph.PoolShape(s).Len()
		add(kernelCase{"MaxPool2x2/" + s.String(), TolExact, [][]float32{g.randn(n), g.randn(m)},
			[][]float32{g.randn(m), g.randn(n)}, []string{"y", "dx"},
			func(b graph.Backend, in, out []graph.Buffer) {
				b.MaxPool2x2Forward(in[0], out[0], s)
				b.MaxPool2x2Backward(in[0], in[1], out[1], s)
			}})
		mc := graph.PoolShapeCeil(s).Len()
		add(kernelCase{"MaxPool2x2Ceil/" + s.String(), TolExact, [][]float32{g.randn(n), g.randn(mc)},
			[][]float32{g.randn(mc), g.randn(n)}, []string{"y", "dx"},
			func(b graph.Backend, in, out []graph.Buffer) {
				b.MaxPool2x2CeilForward(in[0], out[0], s)
				b.MaxPool2x2CeilBackward(in[0], in[1], out[1], s)
			}})
		add(kernelCase{"AvgPool2x2/" + s.String(), TolElementwise, [][]float32{g.randn(n), g.randn(m)},
			[][]float32{g.randn(m), g.randn(n)}, []string{"y", "dx"},
			func(b graph.Backend, in, out []graph.Buffer) {
				b.AvgPool2x2Forward(in[0], out[0], s)
				b.AvgPool2x2Backward(in[1], out[1], s)
			}})
		add(kernelCase{"L2Pool2x2/" + s.String(), TolElementwise, [][]float32{g.randn(n), g.randn(m)},
			[][]float32{g.randn(m), g.randn(n)}, []string{"y", "dx"},
			func(b graph.Backend, in, out []graph.Buffer) {
				b.L2Pool2x2Forward(in[0], out[0], s, 0.78)
				b.L2Pool2x2Backward(in[0], in[1], out[1], s, 0.78)
			}})
	}
	for _, p := range ConvCases {
		name := fmt.Sprintf("Conv2D/%d→%d/%dx%d/k%dx%d/s%d/p%d", p.CIn, p.COut, p.H, p.W, p.KH, p.KW, p.Stride, p.Pad)
		if p.Reflect {
			name += "reflect"
		}
		if p.N > 1 {
			name += fmt.Sprintf("/n%d", p.N)
		}
		xn, wn, yn := p.XShape().Len(), p.WShape().Len(), p.YShape().Len()
		x, w, bias, dy := g.randn(xn), g.normal(wn, 1/math.Sqrt(float64(p.CIn*p.KH*p.KW))), g.randn(p.COut), g.randn(yn)
		add(kernelCase{name + "/forward", TolConv, [][]float32{x, w, bias}, [][]float32{g.randn(yn)}, []string{"y"},
			func(b graph.Backend, in, out []graph.Buffer) { b.Conv2DForward(in[0], in[1], in[2], out[0], p) }})
		add(kernelCase{name + "/forward-nobias", TolConv, [][]float32{x, w}, [][]float32{g.randn(yn)}, []string{"y"},
			func(b graph.Backend, in, out []graph.Buffer) { b.Conv2DForward(in[0], in[1], nil, out[0], p) }})
		add(kernelCase{name + "/backward", TolConv, [][]float32{x, w, dy},
			[][]float32{g.randn(xn), g.randn(wn), g.randn(p.COut)}, []string{"dx", "dw", "db"},
			func(b graph.Backend, in, out []graph.Buffer) {
				b.Conv2DBackwardData(in[2], in[1], out[0], p)
				b.Conv2DBackwardWeight(in[0], in[2], out[1], p)
				b.Conv2DBackwardBias(in[2], out[2], p)
			}})
	}
	for _, p := range ResizeCases {
		xn, yn := p.InShape().Len(), p.OutShape().Len()
		add(kernelCase{fmt.Sprintf("BilinearResize/%v→%v", p.InShape(), p.OutShape()), TolResize,
			[][]float32{g.randn(xn), g.randn(yn)}, [][]float32{g.randn(yn), g.randn(xn)}, []string{"y", "dx"},
			func(b graph.Backend, in, out []graph.Buffer) {
				b.BilinearResizeForward(in[0], out[0], p)
				b.BilinearResizeBackward(in[1], out[1], p)
			}})
	}
	cs = append(cs, matrixCases(g)...)
	return append(cs, normalizeCases()...)
}

// MatMulCases is the table of matrix products tested: 1×1, thin and wide
// operands, sizes that are not multiples of 4.
var MatMulCases = []graph.MatMulParams{
	{M: 1, K: 1, P: 1}, {M: 3, K: 5, P: 2}, {M: 13, K: 7, P: 9}, {M: 5, K: 13, P: 3}, {M: 31, K: 17, P: 29},
}

// SqrtmSizes are the matrix sizes whose square roots are tested, each on
// a covariance-like matrix (X·Xᵀ/k plus 0.05·I, condition numbers up to a
// few hundred) with a symmetric upstream gradient, as the Wasserstein-2
// loss has them.
var SqrtmSizes = []int{1, 3, 13, 31}

// matrixCases are the matrix product and square root cases.
func matrixCases(g *gen) []kernelCase {
	var cs []kernelCase
	for _, p := range MatMulCases {
		an, bn, yn := p.AShape().Len(), p.BShape().Len(), p.YShape().Len()
		a, b, dy := g.randn(an), g.randn(bn), g.randn(yn)
		cs = append(cs, kernelCase{fmt.Sprintf("MatMul/%dx%dx%d", p.M, p.K, p.P), TolReduce, [][]float32{a, b, dy},
			[][]float32{g.randn(yn), g.randn(an), g.randn(bn), g.randn(an), g.randn(bn)}, []string{"y", "da", "db", "da only", "db only"},
			func(be graph.Backend, in, out []graph.Buffer) {
				be.MatMulForward(in[0], in[1], out[0], p)
				be.MatMulBackward(in[0], in[1], in[2], out[1], out[2], p)
				be.MatMulBackward(in[0], in[1], in[2], out[3], nil, p)
				be.MatMulBackward(in[0], in[1], in[2], nil, out[4], p)
			}})
	}
	for _, s := range SqrtmSizes {
		p := graph.SqrtmParams{Size: s, Iters: 12}
		n := s * s
		dy := g.randn(n)
		for i := range s {
			for j := range i {
				dy[j*s+i] = dy[i*s+j]
			}
		}
		in := [][]float32{covariance(g, s), dy}
		for i := range 2 * (graph.SqrtmWork + graph.SqrtmScalars) { // scratch, prefilled
			in = append(in, g.randn(map[bool]int{true: n, false: 1}[i%(graph.SqrtmWork+graph.SqrtmScalars) < graph.SqrtmWork]))
		}
		cs = append(cs, kernelCase{fmt.Sprintf("Sqrtm/%dx%d", s, s), TolSqrtm, in,
			[][]float32{g.randn(n), g.randn(n)}, []string{"y", "da"},
			func(be graph.Backend, in, out []graph.Buffer) {
				w := graph.SqrtmWork + graph.SqrtmScalars
				be.SqrtmForward(in[0], out[0], in[2:2+w], p)
				be.SqrtmBackward(out[0], in[1], out[1], in[2+w:2+2*w], p)
			}})
	}
	return cs
}

// covariance is an s×s matrix X·Xᵀ/(2s) + 0.05·I, X of 2s standard
// normal columns.
func covariance(g *gen, s int) []float32 {
	x := g.randn(2 * s * s)
	out := make([]float32, s*s)
	for i := range s {
		for j := range s {
			var sum float64
			for k := range 2 * s {
				sum += float64(x[i*2*s+k]) * float64(x[j*2*s+k])
			}
			if i == j {
				sum += 0.05 * float64(2*s)
			}
			out[i*s+j] = float32(sum / float64(2*s))
		}
	}
	return out
}

// normalizeCases covers the kernels of NormalizeGrad on the shape table
// (they are flat, so only the lengths matter). AxpyNormalized gets the
// exact L1 norm of g and w = 0.75·n, a scale near 1, so that g·s weighs
// as much as the prefilled dx; with eps = 0.5, w·eps is comparable to the
// norm, pinning where eps enters. A zero g must add exactly nothing.
func normalizeCases() []kernelCase {
	g := newGen(2)
	var cs []kernelCase
	for _, s := range Shapes {
		n := s.Len()
		cs = append(cs, kernelCase{"AbsSum/" + s.String(), TolReduce, [][]float32{g.randn(n)}, [][]float32{g.randn(1)},
			[]string{"norm"}, func(b graph.Backend, in, out []graph.Buffer) { b.AbsSum(in[0], out[0]) }})
		gv := g.randn(n)
		var l1 float64
		for _, v := range gv {
			l1 += math.Abs(float64(v))
		}
		w := 0.75 * float32(n)
		for _, eps := range []float32{1e-8, 0.5} {
			cs = append(cs, kernelCase{fmt.Sprintf("AxpyNormalized/%v/eps=%g", s, eps), TolNormalize,
				[][]float32{gv, {float32(l1)}}, [][]float32{g.randn(n)}, []string{"dx"},
				func(b graph.Backend, in, out []graph.Buffer) { b.AxpyNormalized(in[0], in[1], out[0], w, eps) }})
		}
	}
	cs = append(cs, kernelCase{"AxpyNormalized/zero", TolExact, [][]float32{make([]float32, 189), {0}},
		[][]float32{g.randn(189)}, []string{"dx"},
		func(b graph.Backend, in, out []graph.Buffer) { b.AxpyNormalized(in[0], in[1], out[0], 2, 1e-8) }})
	return cs
}
