package stylize

import (
	"fmt"
	"math"
)

// checkSizes checks, before anything is resized or allocated, the size of
// every image the run will resize to at every scale of sched: the content
// (which is also the size of the image being optimised) and each style
// image. Each must be at least as large as the network needs for its
// layers on its shorter side, and no larger than the pixel budget
// o.MaxPixels. Errors name the image, the size it would have and the
// option that fixes it.
func checkSizes(m Model, r Request, o Options, sched []Scale) error {
	var all []string
	for _, l := range append(append([]Layer(nil), o.ContentLayers...), o.StyleLayers...) {
		all = append(all, l.Name)
	}
	var styleLayers []string
	for _, l := range o.StyleLayers {
		styleLayers = append(styleLayers, l.Name)
	}
	contentNeed, styleNeed := m.MinSide(all), m.MinSide(styleLayers)
	content := "the content image"
	if r.Content.Name != "" {
		content = "content image " + r.Content.Name
	}
	for i, sc := range sched {
		if err := checkImageSize(o, r.Content, content, false, sc.Side, contentNeed, i, len(sched)); err != nil {
			return err
		}
		for k, s := range r.Styles {
			what := fmt.Sprintf("style image %d", k+1)
			if s.Name != "" {
				what = "style image " + s.Name
			}
			if err := checkImageSize(o, s, what, true, sc.Side, styleNeed, i, len(sched)); err != nil {
				return err
			}
		}
	}
	return nil
}

// styleSide is the longer side of the style images at a scale of side
// pixels.
func styleSide(side int, styleScale float64) int {
	return max(16, int(float64(side)*styleScale+0.5))
}

// checkImageSize checks im, named what in errors, at scale idx of n,
// whose side is base pixels, against the need pixels a side of the
// network and the pixel budget; style says whether it is a style image,
// resized to a side of base times -style-scale, or the content, resized
// to base.
func checkImageSize(o Options, im *Image, what string, style bool, base, need, idx, n int) error {
	side := base
	if style {
		side = styleSide(base, o.StyleScale)
	}
	w, h := FitSide(im.W, im.H, side)
	at := fmt.Sprintf("at -size %d", o.Size)
	if n > 1 {
		at = fmt.Sprintf("at scale %d of %d (%d pixels; -size %d, -scales %d)", idx+1, n, base, o.Size, n)
	}
	if style && o.StyleScale != 1 {
		at += fmt.Sprintf(" with -style-scale %g", o.StyleScale)
	}
	if px := int64(w) * int64(h); px > o.MaxPixels {
		fit := side
		for fit > 16 && pixelsAt(im, fit) > o.MaxPixels {
			fit = int(float64(fit)*math.Sqrt(float64(o.MaxPixels)/float64(pixelsAt(im, fit)))) - 1
		}
		fix := fmt.Sprintf("use -size %d or less", max(16, o.Size*fit/side))
		if style {
			fix = fmt.Sprintf("use -style-scale %.3g or less", round3(float64(fit)/float64(base), math.Floor))
		}
		return fmt.Errorf("%s (%d×%d) becomes %d×%d %s: %s, over the pixel budget of %s: %s, or raise -max-pixels",
			what, im.W, im.H, w, h, at, megapixels(px), megapixels(o.MaxPixels), fix)
	}
	if min(w, h) >= need {
		return nil
	}
	// The smallest longer side at which the image is large enough.
	req := 0
	for s := side; s <= maxSide; s++ {
		if fw, fh := FitSide(im.W, im.H, s); min(fw, fh) >= need && int64(fw)*int64(fh) <= o.MaxPixels {
			req = s
			break
		}
	}
	fix := "crop it to a less elongated shape"
	switch {
	case req == 0:
	case style:
		if scale := float64(req) / float64(base); scale*float64(o.Size) <= maxSide {
			fix = fmt.Sprintf("use -style-scale %.3g or more", round3(scale, math.Ceil))
		}
	case idx < n-1 && o.Size >= req:
		k := 1
		for k < n && scaleSide(o.Size, k+1, 0) >= req {
			k++
		}
		fix = fmt.Sprintf("use -scales %d or fewer, or a larger -size", k)
	default:
		if size := (o.Size*req + side - 1) / side; size <= maxSide {
			fix = fmt.Sprintf("use -size %d or more", size)
		}
	}
	return fmt.Errorf("%s (%d×%d) becomes %d×%d %s, smaller than the %d pixels a side the network's layers need: %s",
		what, im.W, im.H, w, h, at, need, fix)
}

// pixelsAt is the pixel count of im resized to a longer side of side.
func pixelsAt(im *Image, side int) int64 {
	w, h := FitSide(im.W, im.H, side)
	return int64(w) * int64(h)
}

// scaleSide is the side of scale idx of an n-scale schedule ending at
// size, as Schedule computes it.
func scaleSide(size, n, idx int) int {
	return Schedule(Options{Size: size, Scales: n, Iterations: 1})[idx].Side
}

// round3 rounds x > 0 to three significant digits with round (math.Ceil
// or math.Floor), so that advice printed with %.3g errs on the safe side.
func round3(x float64, round func(float64) float64) float64 {
	unit := math.Pow(10, math.Floor(math.Log10(x))-2)
	return round(x/unit) * unit
}
