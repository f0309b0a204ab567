package stylize

import (
	"errors"
	"fmt"

	"github.com/vkstyle/vkstyle/graph"
)

// forwardKept runs m on input (preprocessed, 3×h×w) and returns the host
// copies of the named outputs: features, or with gram their Gram matrices.
// fix advises how to shrink the input when it does not fit (see checkFits).
func forwardKept(eng Engine, m Model, input []float32, h, w int, layers []string, gram bool, fix func(float64) string) (map[string][]float32, error) {
	b := eng.Backend()
	g := graph.New()
	x := g.Constant("input", graph.NCHW(1, 3, h, w))
	feats, err := m.Features(g, b, x, layers)
	if err != nil {
		return nil, err
	}
	outs := map[string]*graph.Tensor{}
	for _, l := range layers {
		t := feats[l]
		if gram {
			t = g.Gram(t)
		}
		outs[l] = t
		g.Keep(t)
	}
	p := g.Plan()
	if err := checkFits(eng, p.PeakBytes+p.LeafBytes, max(h, w), fix); err != nil {
		return nil, err
	}
	xb, err := b.Alloc(len(input), "target input")
	if err != nil {
		return nil, err
	}
	defer b.Free(xb)
	if err := b.Upload(xb, input); err != nil {
		return nil, err
	}
	x.Bind(xb)
	prog, err := g.Compile(b)
	if err != nil {
		return nil, err
	}
	defer prog.Close()
	prog.Forward()
	res := map[string][]float32{}
	for l, t := range outs {
		v := make([]float32, t.Shape().Len())
		if err := b.Download(t.Buffer(), v); err != nil {
			return nil, fmt.Errorf("computing targets: %w", err)
		}
		res[l] = v
	}
	return res, nil
}

// targets computes the content features and the blended style Grams the
// objective matches, in the order of objective.targets. With tileWin > 0
// an image whose forward does not fit the device is computed tile by tile
// in windows of that side (see keptTiled).
func targets(eng Engine, m Model, o Options, content []float32, ch, cw int, styles [][]float32, sizes [][2]int, tileWin int) ([][]float32, error) {
	var out [][]float32
	cl := make([]string, len(o.ContentLayers))
	for i, l := range o.ContentLayers {
		cl[i] = l.Name
	}
	cf, err := keptTiled(eng, m, o, content, ch, cw, cl, false, o.sizeFix, tileWin)
	if err != nil {
		return nil, err
	}
	for _, l := range o.ContentLayers {
		out = append(out, cf[l.Name])
	}
	sl := make([]string, len(o.StyleLayers))
	for i, l := range o.StyleLayers {
		sl[i] = l.Name
	}
	blend := o.blend(len(styles))
	mixed := map[string][]float32{}
	for k, s := range styles {
		grams, err := keptTiled(eng, m, o, s, sizes[k][0], sizes[k][1], sl, true, o.styleScaleFix, tileWin)
		if err != nil {
			return nil, err
		}
		for l, gm := range grams {
			acc := mixed[l]
			if acc == nil {
				acc = make([]float32, len(gm))
				mixed[l] = acc
			}
			for i, v := range gm {
				acc[i] += float32(blend[k]) * v
			}
		}
	}
	for _, l := range o.StyleLayers {
		out = append(out, mixed[l.Name])
	}
	return out, nil
}

// keptTiled is forwardKept, or, when its plan does not fit and tileWin is
// not 0, tiledForward in windows of side tileWin with a halo of the
// network's whole radius (so the targets are exact) where the window
// leaves room for it.
func keptTiled(eng Engine, m Model, o Options, input []float32, h, w int, layers []string, gram bool, fix func(float64) string, tileWin int) (map[string][]float32, error) {
	res, err := forwardKept(eng, m, input, h, w, layers, gram, fix)
	var fe *fitError
	if tileWin == 0 || !errors.As(err, &fe) {
		return res, err
	}
	stride, radius := m.Geometry(layers)
	halo := o.tileHalo(stride, radius)
	if full := roundUp(radius, stride); tileWin >= 2*full+stride {
		halo = full
	}
	t := newTiling(w, h, tileWin, halo, stride, false, 0)
	var content, grams []string
	if gram {
		grams = layers
	} else {
		content = layers
	}
	feats, gms, err := tiledForward(eng, m, input, w, h, t, content, grams)
	if gram {
		return gms, err
	}
	return feats, err
}
