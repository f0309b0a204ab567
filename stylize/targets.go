package stylize

import (
	"errors"
	"fmt"

	"github.com/vkstyle/vkstyle/graph"
)

// forwardKept runs m on input (preprocessed, 3×h×w) and returns the host
// copies of the named outputs: features, or with gram their Gram matrices.
// fix advises how to shrink the input when it does not fit (see checkFits).
// A mask (h×w, with gram only) weighs each feature map before its Gram
// matrix, which is then normalised by the mask's area (see masks.go).
func forwardKept(eng Engine, m Model, input []float32, h, w int, layers []string, gram bool, fix func(float64) string, mask []float32) (map[string][]float32, error) {
	b := eng.Backend()
	g := graph.New()
	x := g.Constant("input", graph.NCHW(1, 3, h, w))
	feats, err := m.Features(g, b, x, layers)
	if err != nil {
		return nil, err
	}
	outs := map[string]*graph.Tensor{}
	var guides []maskSlot
	var guideData [][]float32
	for _, l := range layers {
		t := feats[l]
		if gram && mask != nil {
			s := t.Shape()
			mk := g.Constant("style mask "+l, graph.NCHW(1, 1, s.H, s.W))
			guides = append(guides, maskSlot{t: mk})
			guideData = append(guideData, scaledMask(mask, w, h, s.W, s.H))
			t = g.Mask(t, mk)
		}
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
	xb, err := bindLeaf(b, x, "target input", input)
	if err != nil {
		return nil, err
	}
	defer b.Free(xb)
	for i, gd := range guides {
		mb, err := bindLeaf(b, gd.t, "style mask", guideData[i])
		if err != nil {
			return nil, err
		}
		defer b.Free(mb)
	}
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
// in windows of that side (see keptTiled). With perStyle (a masked run)
// each style's Gram matrices are targets of their own, layer by layer,
// instead of being blended; styleMasks, when not nil, has each style's
// mask (nil for none) at its size. With the sliced Wasserstein loss each
// style's features are its targets, layer by layer (see addSliced); with
// the Wasserstein-2 loss each term's mean, covariance root and trace (see
// w2Targets).
func targets(eng Engine, m Model, o Options, content []float32, ch, cw int, styles [][]float32, sizes [][2]int, tileWin int, perStyle bool, styleMasks [][]float32) ([][]float32, error) {
	var out [][]float32
	cf, err := keptTiled(eng, m, o, content, ch, cw, layerNames(o.ContentLayers), false, o.sizeFix, tileWin)
	if err != nil {
		return nil, err
	}
	for _, l := range o.ContentLayers {
		out = append(out, cf[l.Name])
	}
	if o.StyleLoss == "w2" {
		st, err := w2Targets(eng, m, o, styles, sizes, tileWin, perStyle, styleMasks)
		return append(out, st...), err
	}
	sl := layerNames(o.StyleLayers)
	blend := o.blend(len(styles))
	mixed := map[string][]float32{}
	own := make([]map[string][]float32, len(styles))
	gram := o.StyleLoss != "sw"
	perStyle = perStyle || !gram
	for k, s := range styles {
		var grams map[string][]float32
		var err error
		if styleMasks != nil && styleMasks[k] != nil {
			grams, err = forwardKept(eng, m, s, sizes[k][0], sizes[k][1], sl, gram, o.styleScaleFix, styleMasks[k])
		} else {
			grams, err = keptTiled(eng, m, o, s, sizes[k][0], sizes[k][1], sl, gram, o.styleScaleFix, tileWin)
		}
		if err != nil {
			return nil, err
		}
		if perStyle {
			own[k] = grams
			continue
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
		if !perStyle {
			out = append(out, mixed[l.Name])
			continue
		}
		for k := range styles {
			out = append(out, own[k][l.Name])
		}
	}
	return out, nil
}

// layerNames is the names of ls.
func layerNames(ls []Layer) []string {
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.Name
	}
	return names
}

// keptTiled is forwardKept, or, when its plan does not fit and tileWin is
// not 0, tiledForward in windows of side tileWin with a halo of the
// network's whole radius (so the targets are exact) where the window
// leaves room for it.
func keptTiled(eng Engine, m Model, o Options, input []float32, h, w int, layers []string, gram bool, fix func(float64) string, tileWin int) (map[string][]float32, error) {
	res, err := forwardKept(eng, m, input, h, w, layers, gram, fix, nil)
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
