package stylize

import (
	"fmt"
	"math"
)

// Spatial control after Gatys, Ecker, Bethge, Hertzmann & Shechtman
// (2017), "Controlling Perceptual Factors in Neural Style Transfer": a
// content mask per style says where in the result that style applies, a
// style mask which part of the style image its statistics come from.
// Each mask is a single guidance channel (an image's luminance, 0 to 1;
// soft values weigh pixels partly), shrunk to every layer's resolution
// by averaging (maskAt). A style layer's feature map is weighted by the
// mask (graph.Mask) before its Gram matrix, and the Gram matrix is
// normalised by the mask's own area, Σm², instead of the layer's: with a
// mask of ones it is the plain Gram matrix, and a small region's
// statistics weigh as much as a large one's. The normalisation rides on
// the mask: it is bound scaled by √(H·W/Σm²) (scaledMask), so graph.Gram's
// 1/(C·H·W) becomes 1/(C·Σm²).

// maskCoverage is the least luminance a mask needs somewhere: below half
// an 8-bit step it covers nothing.
const maskCoverage = 0.5 / 255

// CheckMasks checks the masks of r: none, or one content mask per style
// (and style masks only with content masks, one per style), each
// covering some of its image.
func (r Request) CheckMasks() error {
	n := len(r.Styles)
	switch {
	case r.ContentMasks == nil && r.StyleMasks != nil:
		return fmt.Errorf("%d style masks without content masks: give a content mask per style too (white where that style applies)", len(r.StyleMasks))
	case r.ContentMasks != nil && len(r.ContentMasks) != n:
		return fmt.Errorf("%d content masks for %d style images: give one mask per style", len(r.ContentMasks), n)
	case r.StyleMasks != nil && len(r.StyleMasks) != n:
		return fmt.Errorf("%d style masks for %d style images: give one mask per style", len(r.StyleMasks), n)
	}
	for i, set := range [][]*Image{r.ContentMasks, r.StyleMasks} {
		for k, m := range set {
			what := [2]string{"content", "style"}[i]
			name := fmt.Sprintf("%s mask %d", what, k+1)
			if m == nil {
				return fmt.Errorf("%s is missing", name)
			}
			if m.Name != "" {
				name = fmt.Sprintf("%s mask %s", what, m.Name)
			}
			if peak := maxOf(maskPlane(m)); !(peak >= maskCoverage) {
				return fmt.Errorf("%s covers nothing (it is black everywhere): paint white where style %d applies", name, k+1)
			}
		}
	}
	return nil
}

// maskPlane is im's luminance (Rec. 601), clamped to [0, 1]: one
// guidance channel of im.W×im.H.
func maskPlane(im *Image) []float32 {
	n := im.W * im.H
	out := make([]float32, n)
	for i := range out {
		v := 0.299*im.Pix[i] + 0.587*im.Pix[n+i] + 0.114*im.Pix[2*n+i]
		out[i] = min(max(v, 0), 1)
	}
	return out
}

// maskSized is the mask im (see maskPlane) box-resampled to w×h.
func maskSized(im *Image, w, h int) []float32 {
	return boxResize(maskPlane(im), im.W, im.H, w, h)
}

func maxOf(v []float32) float32 {
	var m float32
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

// maskAt is mask m (w×h) at a w2×h2 resolution. A layer that is the
// image pooled k times (w2 = w>>k, h2 = h>>k) gets m pooled the same
// way, each cell the mean of its 2×2 block with a trailing odd row or
// column dropped like the network's pooling drops it; any other size is
// an area average (box resampling). Both keep a region's coverage: a
// cell that sees any of it is not zero.
func maskAt(m []float32, w, h, w2, h2 int) []float32 {
	k := 0
	for w>>k > w2 && h>>k > h2 {
		k++
	}
	if w>>k != w2 || h>>k != h2 {
		return boxResize(m, w, h, w2, h2)
	}
	for ; k > 0; k-- {
		m, w, h = halve(m, w, h), w/2, h/2
	}
	return m
}

// halve averages the 2×2 blocks of m (w×h), floor mode.
func halve(m []float32, w, h int) []float32 {
	w2, h2 := w/2, h/2
	out := make([]float32, w2*h2)
	for y := 0; y < h2; y++ {
		for x := 0; x < w2; x++ {
			i := 2*y*w + 2*x
			out[y*w2+x] = (m[i] + m[i+1] + m[i+w] + m[i+w+1]) / 4
		}
	}
	return out
}

// boxResize resamples m (w×h) to w2×h2: each output cell is the mean of
// the input over the cell's footprint, partial pixels weighted by the
// part they cover.
func boxResize(m []float32, w, h, w2, h2 int) []float32 {
	xs, ys := coverage(w, w2), coverage(h, h2)
	out := make([]float32, w2*h2)
	for y, ry := range ys {
		for x, rx := range xs {
			var s, a float64
			for _, cy := range ry {
				for _, cx := range rx {
					f := cy.f * cx.f
					s += f * float64(m[cy.i*w+cx.i])
					a += f
				}
			}
			out[y*w2+x] = float32(s / a)
		}
	}
	return out
}

type part struct {
	i int
	f float64
}

// coverage lists, for each of n2 output cells along an axis of n input
// pixels, the pixels under it and how much of each.
func coverage(n, n2 int) [][]part {
	out := make([][]part, n2)
	step := float64(n) / float64(n2)
	for j := range out {
		a, b := float64(j)*step, float64(j+1)*step
		for i := int(a); i < n && float64(i) < b; i++ {
			f := math.Min(b, float64(i+1)) - math.Max(a, float64(i))
			if f > 0 {
				out[j] = append(out[j], part{i, f})
			}
		}
	}
	return out
}

// scaledMask is mask m (w×h) at a w2×h2 layer (maskAt), times the square
// root of its areaScale: the Gram matrix of features weighted by it is
// normalised by the mask's area.
func scaledMask(m []float32, w, h, w2, h2 int) []float32 {
	out := maskAt(m, w, h, w2, h2)
	if w2 == w && h2 == h {
		out = append([]float32(nil), out...)
	}
	r := float32(math.Sqrt(areaScale(out)))
	for i := range out {
		out[i] *= r
	}
	return out
}

// areaScale is how much a masked Gram matrix is scaled to normalise it
// by its mask's area instead of the layer's: len(m)/Σm². It is 1 for a
// mask of ones.
func areaScale(m []float32) float64 {
	var s float64
	for _, v := range m {
		s += float64(v) * float64(v)
	}
	if s == 0 {
		return 0
	}
	return float64(len(m)) / s
}

// guides are the masks of one scale's run: per style, its content mask
// at the image's size (nil without masks).
type guides struct {
	content [][]float32
	w, h    int
}

// scaleGuides resizes r's content masks to w×h (box resampling, which
// never loses a region), or returns nil when r has none.
func scaleGuides(r Request, w, h int) (*guides, error) {
	if r.ContentMasks == nil {
		return nil, nil
	}
	g := &guides{w: w, h: h}
	for k, m := range r.ContentMasks {
		p := maskSized(m, w, h)
		if !(maxOf(p) > 0) {
			return nil, fmt.Errorf("content mask %d covers nothing at %d×%d", k+1, w, h)
		}
		g.content = append(g.content, p)
	}
	return g, nil
}
