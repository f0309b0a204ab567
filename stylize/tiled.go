package stylize

import (
	"fmt"

	"github.com/vkstyle/vkstyle/graph"
)

// tileGraph is the network on one tile's window with every feature map
// the objective reads masked to the tile's interior (graph.Mask): the
// masked Gram matrix of a style layer sums over the interior only, and so
// do the masked content errors. It is built twice: as tiledObjective's
// program, with the loss and its backward, and to compute targets, with
// only the features.
type tileGraph struct {
	g       *graph.Graph
	x       *graph.Tensor
	layers  []string                 // the masked layers, in network order
	masks   map[string]*graph.Tensor // per layer: 1×1×h×w, 1 on the interior
	feats   map[string]*graph.Tensor // per layer: the masked features
	strides map[string]int           // per layer: input pixels per feature position
	leaves  []graph.Buffer
	prog    *graph.Program
}

// newTileGraph adds m's network on a winW×winH window (a Variable when
// grad, else a Constant) and masks the features of layers.
func newTileGraph(m Model, b graph.Backend, layers []string, winW, winH int, grad bool) (*tileGraph, error) {
	tg := &tileGraph{g: graph.New(), masks: map[string]*graph.Tensor{}, feats: map[string]*graph.Tensor{}, strides: map[string]int{}}
	shape := graph.NCHW(1, 3, winH, winW)
	if grad {
		tg.x = tg.g.Variable("tile", shape)
	} else {
		tg.x = tg.g.Constant("tile", shape)
	}
	feats, err := m.Features(tg.g, b, tg.x, layers)
	if err != nil {
		return nil, err
	}
	for _, l := range layers {
		f := feats[l]
		s := f.Shape()
		mask := tg.g.Constant("interior mask "+l, graph.NCHW(1, 1, s.H, s.W))
		tg.layers = append(tg.layers, l)
		tg.masks[l] = mask
		tg.feats[l] = tg.g.Mask(f, mask)
		tg.strides[l], _ = m.Geometry([]string{l})
	}
	return tg, nil
}

// bytes is the device memory the graph's program needs.
func (tg *tileGraph) bytes() int64 {
	p := tg.g.Plan()
	return p.PeakBytes + p.LeafBytes
}

// compile allocates and binds a buffer for each leaf in ts and compiles
// the program.
func (tg *tileGraph) compile(b graph.Backend, ts []*graph.Tensor) error {
	for _, t := range append([]*graph.Tensor{tg.x}, ts...) {
		buf, err := b.Alloc(t.Shape().Len(), t.Name())
		if err != nil {
			return err
		}
		tg.leaves = append(tg.leaves, buf)
		t.Bind(buf)
	}
	for _, l := range tg.layers {
		buf, err := b.Alloc(tg.masks[l].Shape().Len(), tg.masks[l].Name())
		if err != nil {
			return err
		}
		tg.leaves = append(tg.leaves, buf)
		tg.masks[l].Bind(buf)
	}
	prog, err := tg.g.Compile(b)
	if err != nil {
		return err
	}
	tg.prog = prog
	return nil
}

// close frees the program and the leaves' buffers.
func (tg *tileGraph) close(b graph.Backend) {
	if tg.prog != nil {
		tg.prog.Close()
		tg.prog = nil
	}
	for _, buf := range tg.leaves {
		b.Free(buf)
	}
	tg.leaves = nil
}

// load uploads tile t of the 3×h×w image x into the window and the
// tile's interior masks; win is scratch of the window's length.
func (tg *tileGraph) load(b graph.Backend, x []float32, w, h int, t tile, win []float32) error {
	s := tg.x.Shape()
	cropPlanes(win, x, w, h, t.x0, t.y0, s.W, s.H)
	if err := b.Upload(tg.x.Buffer(), win); err != nil {
		return err
	}
	for _, l := range tg.layers {
		if err := b.Upload(tg.masks[l].Buffer(), tg.mask(l, t, w, h)); err != nil {
			return err
		}
	}
	return nil
}

// interior returns the interior of t in layer l's feature positions of
// the window: columns [c0, c1), rows [r0, r1). An interior that ends at
// the image's edge ends at the window's last feature position (the
// window ends there too).
func (tg *tileGraph) interior(l string, t tile, w, h int) (c0, c1, r0, r1 int) {
	s, fs := tg.strides[l], tg.feats[l].Shape()
	c0, c1 = (t.ix0-t.x0)/s, (t.ix1-t.x0)/s
	r0, r1 = (t.iy0-t.y0)/s, (t.iy1-t.y0)/s
	if t.ix1 == w {
		c1 = fs.W
	}
	if t.iy1 == h {
		r1 = fs.H
	}
	return c0, c1, r0, r1
}

// mask returns layer l's interior mask for tile t.
func (tg *tileGraph) mask(l string, t tile, w, h int) []float32 {
	fs := tg.feats[l].Shape()
	m := make([]float32, fs.H*fs.W)
	c0, c1, r0, r1 := tg.interior(l, t, w, h)
	for r := r0; r < r1; r++ {
		for c := c0; c < c1; c++ {
			m[r*fs.W+c] = 1
		}
	}
	return m
}

// cropPlanes copies the ww×wh window at (x0, y0) of each of the 3 planes
// of the w×h image src into dst.
func cropPlanes(dst, src []float32, w, h, x0, y0, ww, wh int) {
	for c := 0; c < 3; c++ {
		for y := 0; y < wh; y++ {
			s := (c*h+y0+y)*w + x0
			copy(dst[(c*wh+y)*ww:][:ww], src[s:s+ww])
		}
	}
}

// addPlanes adds the ww×wh window src into dst, the 3 planes of a w×h
// image, at (x0, y0).
func addPlanes(dst, src []float32, w, h, x0, y0, ww, wh int) {
	for c := 0; c < 3; c++ {
		for y := 0; y < wh; y++ {
			d := dst[(c*h+y0+y)*w+x0:][:ww]
			for i, v := range src[(c*wh+y)*ww:][:ww] {
				d[i] += v
			}
		}
	}
}

// share is layer l's feature positions in the window over the w×h
// image's: what a window-normalised quantity (the Gram op divides by its
// input's size, MSE by its elements) is multiplied by to count as the
// image's.
func (tg *tileGraph) share(l string, w, h int) float64 {
	s := tg.feats[l].Shape()
	fw, fh := featureSize(w, h, tg.strides[l])
	return float64(s.H*s.W) / float64(fw*fh)
}

// addShare adds a tile's Gram matrix v, scaled by its share, into acc.
func addShare(acc []float64, v []float32, share float64) {
	for i, e := range v {
		acc[i] += float64(e) * share
	}
}

// featureSize is a layer's feature map size on a w×h image, for a layer
// whose input pixels per position are stride (the poolings round down).
func featureSize(w, h, stride int) (fw, fh int) { return w / stride, h / stride }

// tileSide returns the largest window side (a multiple of stride, up to
// the one that covers the longer side whole) whose graph, as build makes
// it, needs at most budget bytes; 0 when even the smallest does not fit.
func tileSide(least, longest, stride int, budget int64, build func(win int) (int64, error)) (int, error) {
	lo, hi := least/stride, (longest+stride-1)/stride
	if need, err := build(lo * stride); err != nil || need > budget {
		return 0, err
	}
	for lo < hi {
		mid := (lo + hi + 1) / 2
		need, err := build(mid * stride)
		if err != nil {
			return 0, err
		}
		if need <= budget {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo * stride, nil
}

// tiledForward computes, tile by tile, the targets of a 3×h×w input:
// the features of content layers (kept whole, in host memory) and the
// Gram matrices of gram layers, each tile's interior's share added up.
func tiledForward(eng Engine, m Model, input []float32, w, h int, t tiling, content, gram []string) (feats, grams map[string][]float32, err error) {
	b := eng.Backend()
	layers := layersInOrder(m, append(append([]string{}, content...), gram...))
	tg, err := newTileGraph(m, b, layers, t.winW, t.winH, false)
	if err != nil {
		return nil, nil, err
	}
	gm := map[string]*graph.Tensor{}
	for _, l := range gram {
		gm[l] = tg.g.Gram(tg.feats[l])
		tg.g.Keep(gm[l])
	}
	for _, l := range content {
		tg.g.Keep(tg.feats[l])
	}
	if err := tg.compile(b, nil); err != nil {
		return nil, nil, err
	}
	defer tg.close(b)
	feats, grams = map[string][]float32{}, map[string][]float32{}
	acc := map[string][]float64{}
	for _, l := range content {
		s := tg.feats[l].Shape()
		fw, fh := featureSize(w, h, tg.strides[l])
		feats[l] = make([]float32, s.C*fw*fh)
	}
	for _, l := range gram {
		acc[l] = make([]float64, gm[l].Shape().Len())
	}
	win := make([]float32, tg.x.Shape().Len())
	var out []float32
	for _, tl := range t.tiles(0, 0) {
		if err := tg.load(b, input, w, h, tl, win); err != nil {
			return nil, nil, err
		}
		tg.prog.Forward()
		for _, l := range content {
			s := tg.feats[l].Shape()
			out = grow(out, s.Len())
			if err := b.Download(tg.feats[l].Buffer(), out); err != nil {
				return nil, nil, err
			}
			fw, fh := featureSize(w, h, tg.strides[l])
			c0, c1, r0, r1 := tg.interior(l, tl, w, h)
			gx, gy := tl.x0/tg.strides[l], tl.y0/tg.strides[l]
			for c := 0; c < s.C; c++ {
				for r := r0; r < r1; r++ {
					copy(feats[l][(c*fh+gy+r)*fw+gx+c0:][:c1-c0], out[(c*s.H+r)*s.W+c0:][:c1-c0])
				}
			}
		}
		for _, l := range gram {
			out = grow(out, gm[l].Shape().Len())
			if err := b.Download(gm[l].Buffer(), out); err != nil {
				return nil, nil, err
			}
			addShare(acc[l], out, tg.share(l, w, h))
		}
	}
	for l, a := range acc {
		g := make([]float32, len(a))
		for i, v := range a {
			g[i] = float32(v)
		}
		grams[l] = g
	}
	return feats, grams, nil
}

// grow returns s resliced, or reallocated, to n elements.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// layersInOrder returns the distinct names of ls in m's network order.
func layersInOrder(m Model, ls []string) []string {
	want := map[string]bool{}
	for _, l := range ls {
		want[l] = true
	}
	var out []string
	for _, l := range m.Layers() {
		if want[l] {
			out = append(out, l)
			delete(want, l)
		}
	}
	if len(want) > 0 {
		panic(fmt.Sprintf("stylize: layers %v are not layers of %s", want, m.Name()))
	}
	return out
}
