package preview

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/gputest"
	"github.com/vkstyle/vkstyle/stylize"
	"github.com/vkstyle/vkstyle/vgg"
)

// composeRef is the specification of a frame, in float64 and the
// obvious order: deprocess the whole image with the convention, give it
// the content's colours with stylize.KeepColours, clamp it to [0, 1] (the
// picture stylize.Save writes), resample each picture bilinearly into its
// rectangle of Layout, round like stylize.Save.
func composeRef(fw, fh int, bgra, colours bool, conv vgg.Convention, x []float32, w, h int, content, cthumb, sthumb *stylize.Image) []uint32 {
	img := stylize.NewImage(w, h)
	conv.Deprocess(img.Pix, x)
	if colours {
		img = stylize.KeepColours(img, content)
	}
	for i, v := range img.Pix {
		img.Pix[i] = float32(math.Min(math.Max(float64(v), 0), 1))
	}
	l := Layout(fw, fh, w, h, cthumb.W, cthumb.H, sthumb.W, sthumb.H)
	out := make([]uint32, fw*fh)
	for oy := 0; oy < fh; oy++ {
		for ox := 0; ox < fw; ox++ {
			rgb := [3]float64{0.12, 0.12, 0.13}
			switch {
			case l.Image.Contains(ox, oy):
				rgb = sampleRef(img, l.Image, ox, oy)
			case l.Content.Contains(ox, oy):
				rgb = sampleRef(cthumb, l.Content, ox, oy)
			case l.Style.Contains(ox, oy):
				rgb = sampleRef(sthumb, l.Style, ox, oy)
			}
			c := [3]uint32{to8Ref(rgb[0]), to8Ref(rgb[1]), to8Ref(rgb[2])}
			if bgra {
				c[0], c[2] = c[2], c[0]
			}
			out[oy*fw+ox] = c[0] | c[1]<<8 | c[2]<<16 | 255<<24
		}
	}
	return out
}

// sampleRef samples im bilinearly (align corners false) at pixel (ox, oy)
// of the frame, im being drawn into r.
func sampleRef(im *stylize.Image, r Rect, ox, oy int) [3]float64 {
	tap := func(o, n, s int) (int, int, float64) {
		c := math.Max((float64(o)+0.5)*float64(s)/float64(n)-0.5, 0)
		i0 := min(int(c), s-1)
		return i0, min(i0+1, s-1), c - float64(i0)
	}
	x0, x1, fx := tap(ox-r.X, r.W, im.W)
	y0, y1, fy := tap(oy-r.Y, r.H, im.H)
	var rgb [3]float64
	for c := range 3 {
		at := func(x, y int) float64 { return float64(im.At(c, x, y)) }
		top := at(x0, y0)*(1-fx) + at(x1, y0)*fx
		bot := at(x0, y1)*(1-fx) + at(x1, y1)*fx
		rgb[c] = top*(1-fy) + bot*fy
	}
	return rgb
}

func to8Ref(v float64) uint32 {
	switch {
	case !(v > 0):
		return 0
	case v >= 1:
		return 255
	}
	return uint32(math.Floor(v*255 + 0.5))
}

func randomImage(r *rand.Rand, w, h int) *stylize.Image {
	im := stylize.NewImage(w, h)
	for i := range im.Pix {
		im.Pix[i] = float32(r.Float64())
	}
	return im
}

// The present kernel draws what composeRef specifies, to within one step
// of 8 bits (float32 against float64 rounding), on awkward sizes, with
// and without the panel, both byte orders, original colours on and off,
// RGB and BGR conventions.
func TestComposeMatchesReference(t *testing.T) {
	dev := gputest.Open(t, gpu.Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	for _, conv := range []vgg.Convention{vgg.Torchvision, vgg.Caffe} {
		comp, err := NewComposer(dev, conv)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ fw, fh, w, h, cw, ch, sw, sh int }{
			{37, 23, 7, 9, 5, 3, 1, 1},
			{250, 97, 13, 1, 7, 9, 3, 5},
			{203, 211, 3, 5, 13, 7, 5, 5},
		} {
			content := randomImage(rng, c.w, c.h) // at the image's size: no resampling
			cthumb, sthumb := randomImage(rng, c.cw, c.ch), randomImage(rng, c.sw, c.sh)
			// The image a little outside [0, 1], to check the clamp.
			im := stylize.NewImage(c.w, c.h)
			for i := range im.Pix {
				im.Pix[i] = float32(rng.Float64()*1.2 - 0.1)
			}
			x := make([]float32, len(im.Pix))
			conv.Preprocess(x, im.Pix)
			if err := comp.SetContent(content); err != nil {
				t.Fatal(err)
			}
			comp.content = content
			if err := comp.SetStyle(sthumb); err != nil {
				t.Fatal(err)
			}
			// The thumbnails as given, not resized.
			comp.cthumb = cthumb
			if err := comp.uploadThumbs(); err != nil {
				t.Fatal(err)
			}
			xbuf, err := dev.NewBuffer("x", uint64(4*len(x)))
			if err != nil {
				t.Fatal(err)
			}
			if err := xbuf.WriteFloat32(0, x); err != nil {
				t.Fatal(err)
			}
			pix, err := dev.NewBuffer("pixels", uint64(4*c.fw*c.fh))
			if err != nil {
				t.Fatal(err)
			}
			for _, flags := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				bgra, colours := flags[0], flags[1]
				name := fmt.Sprintf("%s/%dx%d/image%dx%d/bgra=%v/colours=%v", conv.Name, c.fw, c.fh, c.w, c.h, bgra, colours)
				comp.OriginalColours = colours
				b, err := dev.NewBatch()
				if err != nil {
					t.Fatal(err)
				}
				f := &gpu.Frame{Batch: b, Pixels: pix.All(), Width: c.fw, Height: c.fh, BGRA: bgra}
				if err := comp.Record(f, xbuf.All(), c.w, c.h); err != nil {
					t.Fatal(err)
				}
				if err := b.Submit(); err != nil {
					t.Fatal(err)
				}
				b.Close()
				got := make([]byte, 4*c.fw*c.fh)
				if err := pix.Read(0, got); err != nil {
					t.Fatal(err)
				}
				want := composeRef(c.fw, c.fh, bgra, colours, conv, x, c.w, c.h, content, cthumb, sthumb)
				bad := 0
				for i, wv := range want {
					for k := range 4 {
						d := int(got[4*i+k]) - int(wv>>(8*k)&255)
						if d < -1 || d > 1 {
							if bad < 3 {
								t.Errorf("%s: pixel (%d, %d) byte %d: got %d, want %d", name, i%c.fw, i/c.fw, k, got[4*i+k], wv>>(8*k)&255)
							}
							bad++
						}
					}
				}
				if bad > 0 {
					t.Errorf("%s: %d bytes differ by more than 1", name, bad)
				}
			}
			xbuf.Close()
			pix.Close()
		}
		comp.Close()
	}
}

// deprocessAffine inverts the convention's preprocessing.
func TestDeprocessAffine(t *testing.T) {
	for _, conv := range []vgg.Convention{vgg.Torchvision, vgg.Caffe, vgg.NeuralStyle} {
		rgb := []float32{0.1, 0.5, 0.9}
		x := make([]float32, 3)
		conv.Preprocess(x, rgb)
		a, b, ch := deprocessAffine(conv)
		for r := range 3 {
			if got := x[ch[r]]*a[r] + b[r]; math.Abs(float64(got-rgb[r])) > 1e-5 {
				t.Errorf("%s: channel %d comes back as %v, want %v", conv.Name, r, got, rgb[r])
			}
		}
	}
}

// The content thumbnail of a masked run tints each style's region with
// its own colour and leaves the rest as it is.
func TestWithRegions(t *testing.T) {
	content := stylize.NewImage(4, 2)
	for i := range content.Pix {
		content.Pix[i] = 0.5
	}
	left, right := stylize.NewImage(2, 1), stylize.NewImage(2, 1)
	for c := range 3 {
		left.Set(c, 0, 0, 1)
	}
	got := withRegions(content, []*stylize.Image{left, right})
	if got.At(0, 0, 0) <= 0.5 || got.At(2, 0, 0) >= 0.5 {
		t.Errorf("left region %v %v %v: want tinted red", got.At(0, 0, 0), got.At(1, 0, 0), got.At(2, 0, 0))
	}
	if got.At(0, 3, 1) != 0.5 || got.At(2, 3, 1) != 0.5 {
		t.Errorf("the right half, in no region, changed: %v", got.At(0, 3, 1))
	}
	if content.At(0, 0, 0) != 0.5 {
		t.Error("withRegions changed the content")
	}
	if withRegions(content, nil) != content {
		t.Error("without masks the thumbnail is not the content")
	}
}
