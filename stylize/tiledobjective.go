package stylize

import (
	"github.com/vkstyle/vkstyle/graph"
)

// tiledObjective evaluates one scale's objective (see objective) over an
// image too large for the device, tile by tile, after crowsonkb's
// style_transfer#10: the same loss and gradient as the whole image's up
// to the order of the sums, when the halo covers the network's radius.
//
//  1. Every tile's forward adds its interior's share of each style
//     layer's Gram matrix into the whole image's G (host, float64).
//  2. The host computes the style loss and ∂L/∂G = ws·w_l·2(G−A)/C².
//  3. Every tile runs forward and backward with that gradient as the
//     constant of a graph.Dot on its own share of G, and its content
//     error (masked, so only its interior counts); the window's gradient
//     is added into the image's (overlapping windows add up).
//  4. The total variation and its gradient are computed on the host.
//
// The image and the optimiser's vectors live in host memory.
type tiledObjective struct {
	o     Options
	scale int
	w, h  int
	t     tiling
	tg    *tileGraph

	mse     []*graph.Tensor // per content layer: the tile's masked error
	cweight []float64       // per content layer: its weight in the whole image's loss
	ctarget []*graph.Tensor // per content layer: the window of the target, masked
	grams   []*graph.Tensor // per style layer: the tile's masked Gram matrix
	dgram   []*graph.Tensor // per style layer: ∂L/∂(the tile's Gram)
	share   []float64       // per style layer: its tileGraph.share
	consts  []*graph.Tensor

	cfeat       [][]float32 // per content layer: the whole image's target features
	styleTarget [][]float32 // per style layer: the blended Gram target

	win, out []float32
	acc      [][]float64
}

// newTiledObjective records the tile program of a w×h image at scale
// (not yet compiled: bytes is its plan).
func newTiledObjective(m Model, b graph.Backend, o Options, scale, w, h int, t tiling) (*tiledObjective, error) {
	tg, err := newTileGraph(m, b, layersInOrder(m, layerSet(o)), t.winW, t.winH, true)
	if err != nil {
		return nil, err
	}
	to := &tiledObjective{o: o, scale: scale, w: w, h: h, t: t, tg: tg}
	g := tg.g
	var terms []*graph.Tensor
	var weights []float32
	for _, l := range o.ContentLayers {
		f := tg.feats[l.Name]
		tgt := g.Constant("content target "+l.Name, f.Shape())
		mse := g.MSE(f, tgt)
		to.mse, to.ctarget = append(to.mse, mse), append(to.ctarget, tgt)
		// The tile's MSE divides by its window's elements, the whole
		// image's by the image's.
		cw := o.ContentWeight * l.Weight * tg.share(l.Name, w, h)
		to.cweight = append(to.cweight, cw)
		terms, weights = append(terms, mse), append(weights, float32(cw))
	}
	for _, l := range o.StyleLayers {
		gm := g.Gram(tg.feats[l.Name])
		d := g.Constant("style gradient "+l.Name, gm.Shape())
		to.grams, to.dgram = append(to.grams, gm), append(to.dgram, d)
		to.share = append(to.share, tg.share(l.Name, w, h))
		terms, weights = append(terms, g.Dot(gm, d)), append(weights, 1)
	}
	to.consts = append(append([]*graph.Tensor{}, to.ctarget...), to.dgram...)
	total := g.WeightedSum(terms, weights).SetName("tile loss")
	g.Keep(append(append([]*graph.Tensor{}, to.mse...), to.grams...)...)
	g.Backward(total)
	return to, nil
}

// bytes is the device memory of the tile program.
func (to *tiledObjective) bytes() int64 { return to.tg.bytes() }

// stageBytes is what a tile uploads or downloads at most at once: its
// window or the window's gradient, a content target, a Gram matrix.
func (to *tiledObjective) stageBytes() int64 {
	n := to.tg.x.Shape().Len()
	for _, t := range append(append([]*graph.Tensor{}, to.ctarget...), to.grams...) {
		n = max(n, t.Shape().Len())
	}
	return int64(n) * 4
}

// open compiles the program and keeps the targets: the content
// features of the whole image and the blended Grams.
func (to *tiledObjective) open(b graph.Backend, cfeat, styleTarget [][]float32) error {
	to.cfeat, to.styleTarget = cfeat, styleTarget
	to.win = make([]float32, to.tg.x.Shape().Len())
	for _, gm := range to.grams {
		to.acc = append(to.acc, make([]float64, gm.Shape().Len()))
	}
	return to.tg.compile(b, to.consts)
}

// close frees the program.
func (to *tiledObjective) close(b graph.Backend) { to.tg.close(b) }

// evaluate sets grad to the gradient of the objective at the 3×h×w image
// x (model input space) and returns the loss and its weighted terms;
// eval numbers the evaluation (it places the jittered grid).
func (to *tiledObjective) evaluate(b graph.Backend, x, grad []float32, eval int) (float64, Terms, error) {
	var terms Terms
	tiles := to.t.tiles(to.scale, eval)
	if len(to.grams) > 0 {
		if err := to.styleGradient(b, x, tiles, &terms); err != nil {
			return 0, terms, err
		}
	}
	clear(grad)
	tg := to.tg
	for _, t := range tiles {
		if err := tg.load(b, x, to.w, to.h, t, to.win); err != nil {
			return 0, terms, err
		}
		for i, l := range to.o.ContentLayers {
			if err := to.loadTarget(b, i, l.Name, t); err != nil {
				return 0, terms, err
			}
		}
		tg.prog.Run()
		for i, mse := range to.mse {
			v, err := to.download(b, mse.Buffer(), 1)
			if err != nil {
				return 0, terms, err
			}
			terms.Content += to.cweight[i] * float64(v[0])
		}
		gw, err := to.download(b, tg.x.Grad(), len(to.win))
		if err != nil {
			return 0, terms, err
		}
		addPlanes(grad, gw, to.w, to.h, t.x0, t.y0, to.t.winW, to.t.winH)
	}
	terms.TV = to.o.TVWeight / 2 * addTV(grad, x, to.w, to.h, float32(to.o.TVWeight/2))
	return terms.Content + terms.Style + terms.TV, terms, nil
}

// styleGradient is passes 1 and 2: the whole image's Gram matrices from
// every tile's share, the style loss into terms, and ∂L/∂G uploaded as
// each tile's Dot constant.
func (to *tiledObjective) styleGradient(b graph.Backend, x []float32, tiles []tile, terms *Terms) error {
	for _, a := range to.acc {
		clear(a)
	}
	for _, t := range tiles {
		if err := to.tg.load(b, x, to.w, to.h, t, to.win); err != nil {
			return err
		}
		to.tg.prog.Forward()
		for i, gm := range to.grams {
			v, err := to.download(b, gm.Buffer(), len(to.acc[i]))
			if err != nil {
				return err
			}
			addShare(to.acc[i], v, to.share[i])
		}
	}
	for i, l := range to.o.StyleLayers {
		c := to.grams[i].Shape().H
		n := float64(c * c)
		w := to.o.StyleWeight * l.Weight
		d := make([]float32, len(to.acc[i]))
		var sum float64
		for k, g := range to.acc[i] {
			diff := g - float64(to.styleTarget[i][k])
			sum += diff * diff
			d[k] = float32(w * 2 * diff / n * to.share[i])
		}
		terms.Style += w * sum / n
		if err := b.Upload(to.dgram[i].Buffer(), d); err != nil {
			return err
		}
	}
	return nil
}

// loadTarget uploads the window of content layer l's target features
// for tile t, zero outside the interior.
func (to *tiledObjective) loadTarget(b graph.Backend, i int, l string, t tile) error {
	tg := to.tg
	s := to.ctarget[i].Shape()
	stride := tg.strides[l]
	fw, fh := featureSize(to.w, to.h, stride)
	gx, gy := t.x0/stride, t.y0/stride
	c0, c1, r0, r1 := tg.interior(l, t, to.w, to.h)
	v := grow(to.out, s.Len())
	to.out = v
	clear(v)
	for c := 0; c < s.C; c++ {
		for r := r0; r < r1; r++ {
			copy(v[(c*s.H+r)*s.W+c0:][:c1-c0], to.cfeat[i][(c*fh+gy+r)*fw+gx+c0:])
		}
	}
	return b.Upload(to.ctarget[i].Buffer(), v)
}

// download reads n elements of buf into the objective's scratch.
func (to *tiledObjective) download(b graph.Backend, buf graph.Buffer, n int) ([]float32, error) {
	to.out = grow(to.out, n)
	return to.out, b.Download(buf, to.out)
}

// addTV returns TV(x) (graph.TV: the sum of squared differences of
// neighbouring pixels, per plane) and adds w·∇TV into grad.
func addTV(grad, x []float32, w, h int, weight float32) float64 {
	var tv float64
	for c := 0; c < 3; c++ {
		p, g := x[c*w*h:][:w*h], grad[c*w*h:][:w*h]
		for y := 0; y < h; y++ {
			for i := y * w; i < (y+1)*w; i++ {
				if i+1 < (y+1)*w {
					d := p[i+1] - p[i]
					tv += float64(d) * float64(d)
					g[i+1] += weight * 2 * d
					g[i] -= weight * 2 * d
				}
				if y+1 < h {
					d := p[i+w] - p[i]
					tv += float64(d) * float64(d)
					g[i+w] += weight * 2 * d
					g[i] -= weight * 2 * d
				}
			}
		}
	}
	return tv
}
