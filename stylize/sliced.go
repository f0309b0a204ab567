package stylize

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vkstyle/vkstyle/graph"
)

// The sliced Wasserstein style loss of Heitz, Vanhoey, Chambon & Belcour
// (2021), "A Sliced Wasserstein Loss for Neural Texture Synthesis": a
// style layer's C-channel features are projected on C random unit
// directions, each projection's values are sorted, and the loss is the
// mean squared difference between the image's sorted projections and the
// style's. It matches the whole distribution of the features along each
// direction, not only their second moments as the Gram matrix does. The
// directions are drawn anew at every evaluation (as Heitz et al.'s code
// does), from the seed, the scale and the evaluation's number, so a run
// and its resumption draw the same ones.
//
// When the style's feature map has m positions and the image's n, the
// style's sorted projections are stretched to n by taking, for the i-th
// of n, the value at ⌊(i+½)·m/n⌋: the same quantile. (Heitz et al. make
// the two equal by tiling the style, which needs n a multiple of m.)
//
// On the graph, per style layer: P = Conv2D(F, D) with the directions D
// as a C×C×1×1 weight, S = SortPlanes(P); per style, T = SortPlanes of
// the style's features projected the same way, Gather'ed to n when m ≠ n,
// and the loss MSE(S, T).

// dirSlot is a style layer's directions: a C×C×1×1 constant.
type dirSlot struct {
	t     *graph.Tensor
	layer int // index in Options.StyleLayers
}

// quantSlot is the stretch of a style's sorted projections from m to n.
type quantSlot struct {
	t    *graph.Tensor
	m, n int
}

// addSliced adds the sliced Wasserstein terms of style layer i (l, with
// the image's features f) for each style of sh.styles (height, width),
// and returns them with their weights (weight times the style's blend).
// The style features are targets, in style order. With masks each style's
// term compares the positions of its region in the image (regionAt) with
// those of its style mask's region in the style image (all without one).
func (ob *objective) addSliced(m Model, b graph.Backend, i int, l Layer, f *graph.Tensor, sh objShape, blend []float64, weight float64) ([]*graph.Tensor, []float32, error) {
	styles := sh.styles
	g := ob.g
	s := f.Shape()
	if n := s.H * s.W; n > graph.MaxSortPlane {
		return nil, nil, fmt.Errorf("the sliced Wasserstein loss sorts %s's %d positions, over %d: use a smaller -size", l.Name, n, graph.MaxSortPlane)
	}
	d := g.Constant("directions "+l.Name, graph.NCHW(s.C, s.C, 1, 1))
	ob.dirs = append(ob.dirs, dirSlot{d, i})
	proj := g.Conv2D(f, d, nil, graph.ConvOpts{})
	var all *graph.Tensor // the sorted projections of every position
	var terms []*graph.Tensor
	var weights []float32
	for k, hw := range styles {
		fs, err := featShape(m, b, hw[0], hw[1], l.Name)
		if err != nil {
			return nil, nil, err
		}
		var sorted *graph.Tensor
		if sh.guides != nil {
			sel := regionAt(sh.guides.content[k], sh.w, sh.h, s.W, s.H)
			sorted = g.SortPlanes(ob.selection(fmt.Sprintf("region %d %s", k+1, l.Name), proj, sel))
		} else {
			if all == nil {
				all = g.SortPlanes(proj)
			}
			sorted = all
		}
		if n := fs.H * fs.W; n > graph.MaxSortPlane {
			return nil, nil, fmt.Errorf("the sliced Wasserstein loss sorts style %d's %d positions at %s, over %d: use a smaller -style-scale", k+1, n, l.Name, graph.MaxSortPlane)
		}
		name := fmt.Sprintf("%s style %d", l.Name, k+1)
		sf := g.Constant("style features "+name, fs)
		ob.targets = append(ob.targets, sf)
		styleProj := g.Conv2D(sf, d, nil, graph.ConvOpts{})
		if sh.styleMasks != nil && sh.styleMasks[k] != nil {
			sel := regionAt(sh.styleMasks[k], hw[1], hw[0], fs.W, fs.H)
			styleProj = ob.selection(fmt.Sprintf("style region %d %s", k+1, l.Name), styleProj, sel)
		}
		target := g.SortPlanes(styleProj)
		ts, ss := target.Shape(), sorted.Shape()
		if mm, n := ts.H*ts.W, ss.H*ss.W; ts.H != ss.H || ts.W != ss.W {
			q := g.Constant("quantiles "+name, graph.NCHW(1, 1, 1, n))
			ob.quantiles = append(ob.quantiles, quantSlot{q, mm, n})
			target = g.Gather(target, q, sorted.Shape())
		}
		loss := g.MSE(sorted, target).SetName("style loss " + name)
		ob.style = append(ob.style, loss)
		ob.styleW = append(ob.styleW, weight*blend[k])
		terms, weights = append(terms, loss), append(weights, float32(weight*blend[k]))
	}
	return terms, weights, nil
}

// selection adds the positions sel of x's planes, a constant named name
// bound with the indices (see bindSliced).
func (ob *objective) selection(name string, x *graph.Tensor, sel []float32) *graph.Tensor {
	s := x.Shape()
	idx := ob.g.Constant(name, graph.NCHW(1, 1, 1, len(sel)))
	ob.selections = append(ob.selections, selSlot{idx, sel})
	return ob.g.Gather(x, idx, graph.NCHW(s.N, s.C, 1, len(sel)))
}

// selSlot is a region's positions, to bind.
type selSlot struct {
	t   *graph.Tensor
	sel []float32
}

// regionAt lists the positions of mask m (w×h) at a w2×h2 layer that
// belong to its region: where maskAt is at least ½, or where it is
// largest when no position reaches ½ (a region too small for the layer
// keeps its best-covered positions).
func regionAt(m []float32, w, h, w2, h2 int) []float32 {
	at := maskAt(m, w, h, w2, h2)
	cut := min(float32(0.5), maxOf(at))
	var out []float32
	for i, v := range at {
		if v >= cut && v > 0 {
			out = append(out, float32(i))
		}
	}
	return out
}

// featShape is the shape of layer l of m for an h×w input, from a graph
// that is built and dropped.
func featShape(m Model, b graph.Backend, h, w int, l string) (graph.Shape, error) {
	g := graph.New()
	feats, err := m.Features(g, b, g.Constant("input", graph.NCHW(1, 3, h, w)), []string{l})
	if err != nil {
		return graph.Shape{}, err
	}
	return feats[l].Shape(), nil
}

// quantiles are the indices that stretch a sorted list of m values to n:
// the i-th is ⌊(2i+1)·m/(2n)⌋, as float32 values (exact: m < 2^24).
func quantiles(m, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32((2*int64(i) + 1) * int64(m) / (2 * int64(n)))
	}
	return out
}

// directions draws c unit directions in c dimensions, a c×c×1×1
// convolution weight (row k is direction k), for style layer layer at
// evaluation eval of scale scale: normal samples, each row divided by its
// norm.
func directions(seed uint64, scale, eval, layer, c int) []float32 {
	r := rand.New(rand.NewPCG(seed^0x736c69636564, uint64(scale)<<48|uint64(layer)<<40|uint64(eval)))
	out := make([]float32, c*c)
	row := make([]float64, c)
	for k := range c {
		var ss float64
		for j := range row {
			row[j] = r.NormFloat64()
			ss += row[j] * row[j]
		}
		inv := 1 / math.Sqrt(ss)
		for j, v := range row {
			out[k*c+j] = float32(v * inv)
		}
	}
	return out
}

// slicedBuffers binds a scale's quantiles and directions; newDirections
// then draws the directions of each evaluation.
type slicedBuffers struct {
	dirs []graph.Buffer
}

// bindSliced binds the sliced Wasserstein constants of r's objective:
// the quantiles once, the directions of the first evaluation.
func (r *scaleRun) bindSliced() error {
	for _, s := range r.ob.selections {
		if _, err := r.bind(s.t, s.sel); err != nil {
			return err
		}
	}
	for _, q := range r.ob.quantiles {
		if _, err := r.bind(q.t, quantiles(q.m, q.n)); err != nil {
			return err
		}
	}
	for _, d := range r.ob.dirs {
		c := d.t.Shape().N
		buf, err := r.bind(d.t, make([]float32, c*c))
		if err != nil {
			return err
		}
		r.sliced.dirs = append(r.sliced.dirs, buf)
	}
	return nil
}

// newDirections uploads the directions of evaluation eval.
func (r *scaleRun) newDirections(eval int) error {
	for i, d := range r.ob.dirs {
		c := d.t.Shape().N
		if err := r.b.Upload(r.sliced.dirs[i], directions(r.st.o.Seed, r.idx, eval, d.layer, c)); err != nil {
			return err
		}
	}
	return nil
}
