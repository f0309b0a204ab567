package stylize

import (
	"fmt"
	"math"

	"github.com/vkstyle/vkstyle/graph"
)

// objective is the graph of one scale: the image variable, its loss terms
// and their weighted sum, after Gatys et al. 2015:
//
//	L = wc·Σ_l c_l·MSE(F_l(x), F_l(content))
//	  + ws·Σ_l s_l·MSE(G_l(x), Σ_k b_k·G_l(style_k))
//	  + wtv·TV(x)/2
//
// MSE is the mean over elements (torch's mse_loss), G_l = F_l·F_lᵀ/(C·H·W)
// and TV the sum of squared differences of neighbouring pixels (graph.TV),
// halved so that TV weights mean what they mean in neural-style, whose
// total-variation gradient is that of ½·Σ(Δx² + Δy²).
type objective struct {
	g       *graph.Graph
	x       *graph.Tensor   // the image, a Variable
	total   *graph.Tensor   // the loss
	content []*graph.Tensor // per content layer, unweighted
	style   []*graph.Tensor // per style layer, unweighted
	tv      *graph.Tensor
	targets []*graph.Tensor // constants to bind: content features, then Grams
	// styleW weighs each style loss in the total (for Terms).
	styleW []float64
	// masks are the guidance channels of a masked run, to bind (see
	// bindMasks): one per style layer and style, from guides.
	masks  []maskSlot
	guides *guides
	// dirs and quantiles are the sliced Wasserstein loss's constants (see
	// sliced.go): per style layer its random directions, drawn anew for
	// every evaluation, and per layer and style, when the style's
	// feature map has another size than the image's, the indices that
	// stretch its sorted projections to the image's length.
	dirs       []dirSlot
	quantiles  []quantSlot
	selections []selSlot
	// consts are the constants of the Wasserstein-2 loss (see w2.go).
	consts []constSlot
}

// maskSlot is one style's content mask at one layer's resolution.
type maskSlot struct {
	t     *graph.Tensor
	style int
}

// layerSet returns the distinct layer names of o in network order.
func layerSet(o Options) []string {
	seen := map[string]bool{}
	var out []string
	for _, ls := range [][]Layer{o.ContentLayers, o.StyleLayers} {
		for _, l := range ls {
			if !seen[l.Name] {
				seen[l.Name] = true
				out = append(out, l.Name)
			}
		}
	}
	return out
}

// objShape is what an objective is planned for.
type objShape struct {
	h, w  int // the image
	masks int // the number of content masks (one per style), or 0
	// styles are the style images' heights and widths at the scale: the
	// sliced Wasserstein loss matches their features, whose shapes the
	// objective holds.
	styles [][2]int
	// guides are the content masks at the image's size (nil without);
	// with the sliced Wasserstein loss, which sorts each region's
	// positions, the regions shape the objective, and styleMasks are each
	// style's mask (nil for none) at its size.
	guides     *guides
	styleMasks [][]float32
}

// objShape is the shape of the objective of scale sc, a w×h image.
func (st *state) objShape(sc Scale, w, h int) (objShape, error) {
	s := objShape{h: h, w: w, masks: len(st.r.ContentMasks)}
	for _, im := range st.r.Styles {
		sw, sh := FitSide(im.W, im.H, styleSide(sc.Side, st.o.StyleScale))
		s.styles = append(s.styles, [2]int{sh, sw})
	}
	if s.masks == 0 {
		return s, nil
	}
	var err error
	if s.guides, err = scaleGuides(st.r, w, h); err != nil {
		return s, err
	}
	if st.o.StyleLoss != "sw" {
		return s, nil // the Gram loss takes the style masks with its targets
	}
	for k, m := range st.r.StyleMasks {
		sh, sw := s.styles[k][0], s.styles[k][1]
		s.styleMasks = append(s.styleMasks, maskSized(m, sw, sh))
	}
	return s, nil
}

// buildObjective records the loss of o on an image of sh. With masks > 0
// (the number of styles, each with a content mask) every style layer has
// one loss per style, its feature map weighted by the style's mask
// (graph.Mask) before its Gram matrix, and matched to that style's own
// Gram matrix (Gatys et al. 2017); the blend weights, normalised to a
// mean of 1, weigh the styles' losses. With the sliced Wasserstein loss
// (o.StyleLoss "sw") the style terms are addSliced's, with the
// Wasserstein-2 loss ("w2") addW2's.
func buildObjective(m Model, b graph.Backend, o Options, sh objShape) (*objective, error) {
	h, w, masks := sh.h, sh.w, sh.masks
	g := graph.New()
	ob := &objective{g: g, x: g.Variable("image", graph.NCHW(1, 3, h, w)), guides: sh.guides}
	feats, err := m.Features(g, b, ob.x, layerSet(o))
	if err != nil {
		return nil, err
	}
	var terms []*graph.Tensor
	var weights []float32
	// With NormalizeGradients each term's gradient at its feature map is
	// divided by its L1 norm before it is weighted (graph.NormalizeGrad).
	norm := func(f *graph.Tensor, w float64) *graph.Tensor {
		if !o.NormalizeGradients || w == 0 {
			return f
		}
		return g.NormalizeGrad(f, float32(w), 1e-8)
	}
	for _, l := range o.ContentLayers {
		f := norm(feats[l.Name], o.ContentWeight*l.Weight)
		t := g.Constant("content target "+l.Name, f.Shape())
		loss := g.MSE(f, t).SetName("content loss " + l.Name)
		ob.targets = append(ob.targets, t)
		ob.content = append(ob.content, loss)
		terms, weights = append(terms, loss), append(weights, float32(o.ContentWeight*l.Weight))
	}
	blend := o.blend(max(masks, 1))
	if o.StyleLoss == "sw" {
		blend = o.blend(len(sh.styles))
		if masks > 0 { // as with Gram matrices: each region at full weight
			for k := range blend {
				blend[k] *= float64(masks)
			}
		}
	}
	for i, l := range o.StyleLayers {
		f := norm(feats[l.Name], o.StyleWeight*l.Weight)
		if o.StyleLoss == "sw" {
			t, ws, err := ob.addSliced(m, b, i, l, f, sh, blend, o.StyleWeight*l.Weight)
			if err != nil {
				return nil, err
			}
			terms, weights = append(terms, t...), append(weights, ws...)
			continue
		}
		if o.StyleLoss == "w2" {
			t, ws := ob.addW2(l, f, sh, blend, o.StyleWeight*l.Weight)
			terms, weights = append(terms, t...), append(weights, ws...)
			continue
		}
		for k := range max(masks, 1) {
			in, name, weight := f, l.Name, o.StyleWeight*l.Weight
			if masks > 0 {
				s := f.Shape()
				mk := g.Constant(fmt.Sprintf("mask %d %s", k+1, l.Name), graph.NCHW(1, 1, s.H, s.W))
				ob.masks = append(ob.masks, maskSlot{mk, k})
				in = g.Mask(f, mk)
				name = fmt.Sprintf("%s style %d", l.Name, k+1)
				weight *= blend[k] * float64(masks)
			}
			gram := g.Gram(in)
			t := g.Constant("style target "+name, gram.Shape())
			loss := g.MSE(gram, t).SetName("style loss " + name)
			ob.targets = append(ob.targets, t)
			ob.style = append(ob.style, loss)
			ob.styleW = append(ob.styleW, weight)
			terms, weights = append(terms, loss), append(weights, float32(weight))
		}
	}
	ob.tv = g.TV(ob.x).SetName("tv loss")
	terms, weights = append(terms, ob.tv), append(weights, float32(o.TVWeight/2))
	ob.total = g.WeightedSum(terms, weights).SetName("loss")
	g.Keep(append(append(append([]*graph.Tensor{}, ob.content...), ob.style...), ob.tv)...)
	g.Backward(ob.total)
	return ob, nil
}

// planBytes is the memory the objective needs on the device: the planned
// buffers plus the leaves (image, targets, weights).
func (ob *objective) planBytes() int64 {
	p := ob.g.Plan()
	return p.PeakBytes + p.LeafBytes
}

// optimiserBytes is the device memory the optimiser owns besides the
// image, for an image of n float32 samples optimised for iters
// iterations: L-BFGS's correction pairs (History of them, or fewer when
// the run is shorter), gradient, previous gradient, direction and copy of
// the iterate; Adam's gradient, two moments and copy of the iterate (see
// optim.LBFGS and optim.NewAdam). At the default History of 100 L-BFGS
// needs 2.4 KB a pixel, more than the network's activations.
func (o Options) optimiserBytes(n, iters int) int64 {
	vectors := 4
	if o.Optimizer == "lbfgs" {
		vectors += 2 * min(o.History, iters)
	}
	return int64(vectors) * int64(n) * 4
}

// checkFits refuses a plan larger than the engine's budget. side is the
// longer side of the image the plan is for; fix says which option makes
// it fit, given the factor the side must shrink by (memory grows with the
// square of the side): sizeFix or styleScaleFix.
func checkFits(eng Engine, need int64, side int, fix func(shrink float64) string) error {
	budget := eng.Budget()
	if budget <= 0 || need <= budget {
		return nil
	}
	shrink := math.Sqrt(float64(budget)/float64(need)) * 0.95
	return &fitError{fmt.Sprintf("a %d-pixel image needs about %s on %s, which has %s: %s, or fewer or shallower layers",
		side, graph.FormatBytes(need), eng.Name(), graph.FormatBytes(budget), fix(shrink))}
}

// fitError is checkFits' error: a plan larger than the budget.
type fitError struct{ msg string }

func (e *fitError) Error() string { return e.msg }

// sizeFix advises the -size at which o's images shrink by shrink.
func (o Options) sizeFix(shrink float64) string {
	return fmt.Sprintf("use -size %d or less", int(float64(o.Size)*shrink)/16*16)
}

// styleScaleFix advises the -style-scale at which the style images
// shrink by shrink.
func (o Options) styleScaleFix(shrink float64) string {
	return fmt.Sprintf("use -style-scale %.3g or less", round3(o.StyleScale*shrink, math.Floor))
}
