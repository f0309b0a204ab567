package stylize

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/vgg"
)

// flat is a w×h image of one colour.
func flat(w, h int, rgb [3]float32) *Image {
	im := NewImage(w, h)
	for c := range 3 {
		for i := range w * h {
			im.Pix[c*w*h+i] = rgb[c]
		}
	}
	return im
}

// half is a w×h mask, white on the left half (or the right).
func half(w, h int, left bool) *Image {
	im := NewImage(w, h)
	for y := range h {
		for x := range w {
			if (x < w/2) == left {
				for c := range 3 {
					im.Set(c, x, y, 1)
				}
			}
		}
	}
	return im
}

func TestMaskAt(t *testing.T) {
	// 5×4 pooled once is 2×2: the trailing column is dropped.
	m := []float32{
		1, 0, 0, 0, 9,
		1, 0, 0, 0, 9,
		0, 0, 1, 1, 9,
		0, 0, 1, 1, 9,
	}
	got := maskAt(m, 5, 4, 2, 2)
	want := []float32{0.5, 0, 0, 1}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("pooled mask %v, want %v", got, want)
		}
	}
	// 3 pixels to 2 cells: the middle pixel is shared half and half.
	got = boxResize([]float32{1, 0, 0}, 3, 1, 2, 1)
	if math.Abs(float64(got[0])-2.0/3) > 1e-6 || got[1] != 0 {
		t.Errorf("box resize %v, want [0.667 0]", got)
	}
	// A one-pixel region survives any shrinking.
	dot := make([]float32, 64*64)
	dot[40*64+41] = 1
	if s := maskAt(dot, 64, 64, 4, 4); maxOf(s) <= 0 {
		t.Errorf("a one-pixel region vanished at 4×4")
	}
	if s := boxResize(dot, 64, 64, 5, 3); maxOf(s) <= 0 {
		t.Errorf("a one-pixel region vanished at 5×3")
	}
	if a := areaScale([]float32{1, 1, 1, 1}); a != 1 {
		t.Errorf("areaScale of ones %v, want 1", a)
	}
	if a := areaScale([]float32{1, 0, 0, 0}); a != 4 {
		t.Errorf("areaScale of a quarter %v, want 4", a)
	}
}

// A content mask of ones (and a style mask of ones) is no mask: the run
// follows the unmasked run's losses. This checks the per-style targets,
// the masks' binding and their area normalisation.
func TestMaskOfOnesIsNoMask(t *testing.T) {
	run := func(cm, sm []*Image) []float64 {
		m := newTinyModel()
		defer m.free()
		var losses []float64
		r := Request{Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: tinyOptions(),
			ContentMasks: cm, StyleMasks: sm,
			Progress: func(p Progress) error { losses = append(losses, p.Loss); return nil }}
		if _, err := Run(context.Background(), NewCPU(), m, r); err != nil {
			t.Fatal(err)
		}
		return losses
	}
	want := run(nil, nil)
	white := flat(7, 5, [3]float32{1, 1, 1}) // resized to every image
	for _, sm := range [][]*Image{nil, {white}} {
		got := run([]*Image{white}, sm)
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-9*math.Abs(want[i]) {
				t.Fatalf("style masks %v: iteration %d loss %v, unmasked %v", sm != nil, i+1, got[i], want[i])
			}
		}
	}
}

// The left half of a style image under its style mask gives that half's
// statistics, whatever the right half holds.
func TestStyleMaskSelects(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	o := tinyOptions().Defaults()
	const side = 64
	texture := SampleStyle(side, side)
	withRight := func(rgb [3]float32) *Image {
		im := texture.Clone()
		for y := range side {
			for x := side / 2; x < side; x++ {
				for c := range 3 {
					im.Set(c, x, y, rgb[c])
				}
			}
		}
		return im
	}
	a, b := withRight([3]float32{0.5, 0.5, 0.5}), withRight([3]float32{0.9, 0.1, 0.1})
	mask := maskPlane(half(side, side, true))
	sizes := [][2]int{{side, side}}
	content := make([]float32, 3*24*18)
	eng := NewCPU()
	grams := func(im *Image, mask []float32) [][]float32 {
		var masks [][]float32
		if mask != nil {
			masks = [][]float32{mask}
		}
		tg, err := targets(eng, m, o, content, 18, 24, [][]float32{m.Preprocess(im)}, sizes, 0, true, masks)
		if err != nil {
			t.Fatal(err)
		}
		return tg[len(o.ContentLayers):]
	}
	ma, mb, pa, pb := grams(a, mask), grams(b, mask), grams(a, nil), grams(b, nil)
	for i, l := range o.StyleLayers {
		// Features beside the seam see across it: the masked Grams are
		// close, not equal.
		masked, plain := relDiff(ma[i], mb[i]), relDiff(pa[i], pb[i])
		t.Logf("%s: masked Grams differ by %.3g, unmasked by %.3g", l.Name, masked, plain)
		if !(masked < plain/10) {
			t.Errorf("%s: under the mask the Grams differ by %.3g, not under a tenth of the unmasked %.3g", l.Name, masked, plain)
		}
	}
}

// Two flat styles, red for the left half and blue for the right: each
// half of the result takes its own style's colour and not the other's,
// and only a band about the seam mixes them; with Gram matrices, the
// sliced Wasserstein loss (each region's positions sorted apart) and the
// Wasserstein-2 loss (each region's own mean and covariance).
func TestMasksSplitStyles(t *testing.T) {
	for _, loss := range []string{"gram", "sw", "w2"} {
		t.Run(loss, func(t *testing.T) { masksSplitStyles(t, loss) })
	}
}

func masksSplitStyles(t *testing.T, loss string) {
	eng := gpuEngine(t)
	m := FromNet("embedded", vgg.NewRandom(0))
	defer m.Close()
	const w, h = 64, 48
	red, blue := [3]float32{0.9, 0.1, 0.1}, [3]float32{0.1, 0.1, 0.9}
	// Adam: L-BFGS from a flat grey start barely moves in 40 iterations
	// with these two styles (it does with one).
	o := Options{Size: w, Iterations: 40, Init: "content", Optimizer: "adam", ContentWeight: 1e-3, StyleWeight: 1e4, Seed: 1}
	switch loss {
	case "sw":
		longOnFastDevice(t, eng)
		o.StyleLoss, o.StyleWeight = loss, 1
	case "w2":
		// Its square roots cost the same at any image size: two of the
		// network's 64-channel layers keep the test short.
		longOnFastDevice(t, eng)
		o.StyleLoss, o.StyleWeight = loss, 1
		o.StyleLayers = []Layer{{"relu1_1", 1}, {"relu2_1", 1}}
	}
	r := Request{Content: flat(w, h, [3]float32{0.5, 0.5, 0.5}),
		Styles:       []*Image{flat(64, 64, red), flat(64, 64, blue)},
		ContentMasks: []*Image{half(32, 24, true), half(32, 24, false)}, // resized to 64×48
		Options:      o}
	im, err := Run(context.Background(), eng, m, r)
	if err != nil {
		t.Fatal(err)
	}
	// redness(x) is the mean of R−B over column x: +0.8 is the red style,
	// −0.8 the blue, 0 the grey content.
	redness := func(x int) float64 {
		s := 0.0
		for y := range h {
			s += float64(im.At(0, x, y) - im.At(2, x, y))
		}
		return s / h
	}
	var left, right float64
	for x := range w / 2 {
		left += redness(x) / (w / 2)
		right += redness(w/2+x) / (w / 2)
	}
	t.Logf("mean R−B: left %.3f, right %.3f (styles +0.8, −0.8; content 0)", left, right)
	if left < 0.3 || right > -0.3 {
		t.Errorf("mean R−B left %.3f, right %.3f: want the left toward red (> 0.3) and the right toward blue (< −0.3)", left, right)
	}
	const band = 8 // pixels each side of the seam where the styles may mix
	for x := range w {
		r := redness(x)
		switch {
		case x < w/2-band && r < left/3:
			t.Errorf("column %d (left) has R−B %.3f, under a third of the left half's %.3f", x, r, left)
		case x >= w/2+band && r > right/3:
			t.Errorf("column %d (right) has R−B %.3f, over a third of the right half's %.3f", x, r, right)
		}
	}
}

func TestMaskErrors(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	black := NewImage(8, 8)
	black.Name = "sky.png"
	white := flat(8, 8, [3]float32{1, 1, 1})
	styles := []*Image{SampleStyle(32, 32), SampleStyle(32, 32)}
	for _, c := range []struct {
		cm, sm []*Image
		want   string
	}{
		{[]*Image{white}, nil, "1 content masks for 2 style images"},
		{nil, []*Image{white, white}, "style masks without content masks"},
		{[]*Image{white, white}, []*Image{white}, "1 style masks for 2 style images"},
		{[]*Image{white, black}, nil, "content mask sky.png covers nothing"},
		{[]*Image{white, white}, []*Image{black, white}, "style mask sky.png covers nothing"},
	} {
		r := Request{Content: SampleContent(32, 24), Styles: styles, Options: tinyOptions(), ContentMasks: c.cm, StyleMasks: c.sm}
		_, err := Run(context.Background(), NewCPU(), m, r)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error with %q", err, c.want)
		}
	}
}
