package stylize

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Options configure a stylisation. The zero value of a field means its
// default; Defaults returns them all, following jcjohnson/neural-style.
type Options struct {
	// Size is the longer side of the result in pixels. If 0, it is 512.
	Size int
	// StyleScale scales the style images relative to Size. If 0, it is 1.
	StyleScale float64
	// StyleBlend weights the style images (normalised to sum 1). If nil,
	// they are weighted equally.
	StyleBlend []float64
	// MaxPixels bounds the pixels of every image a run resizes to: the
	// content at each scale's side, the styles at that side times
	// StyleScale. If 0, it is DefaultMaxPixels.
	MaxPixels int64 `json:"-"` // not in the fingerprint: it shapes no trajectory

	// ContentWeight, StyleWeight and TVWeight weigh the three terms of the
	// loss (Gatys et al. 2015, eq. 7, plus total variation). Defaults 5,
	// 100 and 1e-3. Zero is a valid weight: set NoDefaults to keep zeros.
	ContentWeight, StyleWeight, TVWeight float64
	// NoDefaults keeps zero weights as given instead of defaulting them.
	NoDefaults bool

	// ContentLayers and StyleLayers name the layers whose features are
	// matched, each with a weight. Defaults: relu4_2; relu1_1, relu2_1,
	// relu3_1, relu4_1, relu5_1, all weighted 1.
	ContentLayers, StyleLayers []Layer

	// Init is "random" (Gaussian noise of σ 0.001 in Caffe units, as
	// neural-style), "content", "gray", or an image path. Default "random".
	Init string
	// Optimizer is "lbfgs" or "adam". Default "lbfgs".
	Optimizer string
	// LearningRate is, for Adam, the step size in pixel units of 0–255,
	// whatever the model's input scaling: neural-style's -learning_rate,
	// default 10, which Run converts to the model's input units
	// (×InputScale/255, 0.17 for torchvision's weights, 10 for Caffe's).
	// For L-BFGS it is torch's lr, the multiplier of the step length
	// (default 1), which has no unit.
	LearningRate float64
	// History is the number of L-BFGS correction pairs. If 0, it is 100.
	History int
	// Iterations is the number of optimiser iterations (at the smallest,
	// first scale when multi-scale; each larger scale runs 1/√2 as many as
	// the one before, see Schedule). If 0, it is 1000.
	Iterations int
	// Seed makes the random init reproducible: the same seed on the same
	// device gives the same output bits.
	Seed uint64

	// StyleLoss is the style statistic matched: "gram" (or empty), Gram
	// matrices (Gatys et al. 2015); "sw", the sliced Wasserstein distance
	// between feature distributions (Heitz et al. 2021, see sliced.go);
	// "w2", the Wasserstein-2 distance between their Gaussian fits
	// (crowsonkb's style-transfer-pytorch, see w2.go).
	StyleLoss string `json:",omitempty"` // omitted when empty: older checkpoints keep their fingerprints

	// NormalizeGradients divides each loss term's gradient by its L1 norm
	// before weighting it, like neural-style's -normalize_gradients.
	NormalizeGradients bool

	// OriginalColors keeps the content's colours: the result's luminance
	// with the content's chroma (YCbCr).
	OriginalColors bool
	// MatchColors transforms each style image's colours to the content's
	// mean and covariance before the run (Gatys et al. 2016).
	MatchColors bool

	// Scales is the number of scales of a coarse-to-fine run (see
	// Schedule). If 0, it is 1: a single scale, like neural-style. Auto
	// chooses the number of scales from Size.
	Scales int
	Auto   bool

	// Tile is the side, in pixels, of the windows a tiled run evaluates
	// the image in (see tiling): 0 (auto) tiles only a scale whose
	// untiled plan does not fit the device's budget, with the largest
	// window that fits; TileOff never tiles (a plan that does not fit is
	// an error); a positive side tiles every scale larger than it.
	Tile int `json:",omitempty"` // omitted at 0: older checkpoints keep their fingerprints
	// TileHalo is how far, in pixels, each window reaches past its
	// interior: 0 is DefaultTileHalo, TileHaloFull the network's whole
	// radius (exact, see Model.Geometry), TileHaloNone none. It is
	// rounded up to a multiple of the network's stride and never more
	// than the radius.
	TileHalo int `json:",omitempty"`
	// TileFixed keeps the tile grid in place; by default it moves at
	// every evaluation so that no seam stays in one place.
	TileFixed bool `json:",omitempty"`
	// MemoryLimit, when positive, caps the device memory, in bytes, that
	// a run plans for (below the device's own budget).
	MemoryLimit int64 `json:",omitempty"`

	// PrintEvery and SaveEvery report progress and save numbered
	// intermediate images every so many iterations; 0 never.
	PrintEvery, SaveEvery int
}

// TileOff and TileHaloFull are special values of Options.Tile and
// Options.TileHalo.
const (
	TileOff      = -1
	TileHaloFull = -1
	TileHaloNone = -2
)

// DefaultTileHalo is the halo of a tiled run unless Options.TileHalo
// says otherwise: less than VGG19's radius of 70 pixels at relu5_1, so
// more of each window is interior; the error it makes is measured in
// docs/DESIGN.md and moves with the grid at every evaluation.
const DefaultTileHalo = 32

// tileHalo is the halo of a tiled run for a network of stride and
// radius (Model.Geometry).
func (o Options) tileHalo(stride, radius int) int {
	h := o.TileHalo
	switch {
	case h == TileHaloFull || h > radius:
		h = radius
	case h == 0:
		h = min(DefaultTileHalo, radius)
	case h == TileHaloNone:
		h = 0
	}
	return roundUp(h, stride)
}

// roundUp rounds v up to a multiple of m.
func roundUp(v, m int) int { return (v + m - 1) / m * m }

// maxSide is the largest longer side, in pixels, of any image a run
// resizes to.
const maxSide = 1 << 15

// Layer is a named network layer with a weight.
type Layer struct {
	Name   string
	Weight float64
}

// Defaults returns o with every unset field given its default.
func (o Options) Defaults() Options {
	if o.Size == 0 {
		o.Size = 512
	}
	if o.StyleScale == 0 {
		o.StyleScale = 1
	}
	if o.MaxPixels == 0 {
		o.MaxPixels = DefaultMaxPixels
	}
	if !o.NoDefaults {
		if o.ContentWeight == 0 {
			o.ContentWeight = 5
		}
		if o.StyleWeight == 0 {
			o.StyleWeight = 100
		}
		if o.TVWeight == 0 {
			o.TVWeight = 1e-3
		}
	}
	if o.ContentLayers == nil {
		o.ContentLayers = []Layer{{"relu4_2", 1}}
	}
	if o.StyleLayers == nil {
		for _, l := range []string{"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"} {
			o.StyleLayers = append(o.StyleLayers, Layer{l, 1})
		}
	}
	if o.Init == "" {
		o.Init = "random"
	}
	if o.Optimizer == "" {
		o.Optimizer = "lbfgs"
	}
	if o.LearningRate == 0 {
		o.LearningRate = 1
		if o.Optimizer == "adam" {
			o.LearningRate = 10
		}
	}
	if o.History == 0 {
		o.History = 100
	}
	if o.Iterations == 0 {
		o.Iterations = 1000
	}
	if o.Scales == 0 {
		o.Scales = 1
	}
	return o
}

// Validate checks o (after Defaults) against the styles given and the
// model's layer names; errors say which option is wrong and why.
func (o Options) Validate(styles int, layers []string) error {
	bad := func(name string, v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) || v < 0 }
	known := map[string]bool{}
	for _, l := range layers {
		known[l] = true
	}
	switch {
	case o.Size < 16 || o.Size > maxSide:
		return fmt.Errorf("size %d: give a longer side between 16 and %d pixels", o.Size, maxSide)
	case bad("style scale", o.StyleScale) || o.StyleScale == 0:
		return fmt.Errorf("style scale %v: give a positive number", o.StyleScale)
	case o.StyleScale*float64(o.Size) > maxSide:
		return fmt.Errorf("style scale %v makes the styles' longer side %.0f pixels at size %d, over %d: give a style scale of at most %.4g",
			o.StyleScale, o.StyleScale*float64(o.Size), o.Size, maxSide, float64(maxSide)/float64(o.Size))
	case o.MaxPixels < 0:
		return fmt.Errorf("pixel budget %d: give a positive number of pixels", o.MaxPixels)
	case bad("", o.ContentWeight):
		return fmt.Errorf("content weight %v: give a finite number ≥ 0", o.ContentWeight)
	case bad("", o.StyleWeight):
		return fmt.Errorf("style weight %v: give a finite number ≥ 0", o.StyleWeight)
	case bad("", o.TVWeight):
		return fmt.Errorf("TV weight %v: give a finite number ≥ 0", o.TVWeight)
	case styles == 0:
		return fmt.Errorf("no style image: give at least one")
	case o.StyleBlend != nil && len(o.StyleBlend) != styles:
		return fmt.Errorf("%d style blend weights for %d style images: give one weight per style", len(o.StyleBlend), styles)
	case o.StyleLoss != "" && o.StyleLoss != "gram" && o.StyleLoss != "sw" && o.StyleLoss != "w2":
		return fmt.Errorf("style loss %q: use gram, sw or w2", o.StyleLoss)
	case o.Optimizer != "lbfgs" && o.Optimizer != "adam":
		return fmt.Errorf("optimizer %q: use lbfgs or adam", o.Optimizer)
	case bad("", o.LearningRate) || o.LearningRate == 0:
		return fmt.Errorf("learning rate %v: give a positive number", o.LearningRate)
	case o.History < 1:
		return fmt.Errorf("history %d: give at least 1 correction pair", o.History)
	case o.Iterations < 1:
		return fmt.Errorf("iterations %d: give at least 1", o.Iterations)
	case o.Scales < 0 || o.Scales > 12:
		return fmt.Errorf("scales %d: give 1 to 12 (or automatic)", o.Scales)
	case o.Tile < TileOff:
		return fmt.Errorf("tile %d: give a tile side in pixels, auto or off", o.Tile)
	case o.TileHalo < TileHaloNone:
		return fmt.Errorf("tile halo %d: give a halo in pixels (0 or more) or full", o.TileHalo)
	case o.MemoryLimit < 0:
		return fmt.Errorf("memory limit %d: give a positive number of bytes", o.MemoryLimit)
	case o.PrintEvery < 0 || o.SaveEvery < 0:
		return fmt.Errorf("print/save every: give 0 (never) or a positive count")
	}
	if o.StyleBlend != nil {
		sum := 0.0
		for _, w := range o.StyleBlend {
			if bad("", w) {
				return fmt.Errorf("style blend weight %v: give finite numbers ≥ 0", w)
			}
			sum += w
		}
		if sum == 0 {
			return fmt.Errorf("style blend weights sum to 0: give at least one positive weight")
		}
		if math.IsInf(sum, 0) {
			return fmt.Errorf("style blend weights %v sum to more than the largest float: give smaller weights (only their ratios matter)", o.StyleBlend)
		}
	}
	for _, set := range []struct {
		what   string
		layers []Layer
	}{{"content", o.ContentLayers}, {"style", o.StyleLayers}} {
		for _, l := range set.layers {
			if !known[l.Name] {
				return fmt.Errorf("%s layer %q is not a layer of this model: use one of %s", set.what, l.Name, strings.Join(layers, ", "))
			}
			if bad("", l.Weight) {
				return fmt.Errorf("%s layer %s weight %v: give a finite number ≥ 0", set.what, l.Name, l.Weight)
			}
		}
	}
	return nil
}

// ParseLayers parses "relu4_2" or "relu1_1:0.5,relu2_1:2" (weight 1 when
// omitted).
func ParseLayers(s string) ([]Layer, error) {
	var out []Layer
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, weight, found := strings.Cut(part, ":")
		l := Layer{Name: strings.TrimSpace(name), Weight: 1}
		if found {
			w, err := strconv.ParseFloat(strings.TrimSpace(weight), 64)
			if err != nil {
				return nil, fmt.Errorf("layer %q: weight %q is not a number", name, weight)
			}
			l.Weight = w
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no layers in %q", s)
	}
	return out, nil
}

// blend returns the style blend weights normalised to sum 1.
func (o Options) blend(styles int) []float64 {
	w := make([]float64, styles)
	sum := 0.0
	for i := range w {
		w[i] = 1
		if o.StyleBlend != nil {
			w[i] = o.StyleBlend[i]
		}
		sum += w[i]
	}
	for i := range w {
		w[i] /= sum
	}
	return w
}
