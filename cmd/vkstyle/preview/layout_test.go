package preview

import "testing"

func TestLayout(t *testing.T) {
	for _, c := range []struct {
		fw, fh, w, h int
		img          Rect
	}{
		{500, 300, 400, 300, Rect{0, 0, 400, 300}},    // exact fit beside a 100-pixel panel
		{500, 600, 400, 300, Rect{0, 150, 400, 300}},  // tall: bars above and below
		{1000, 300, 400, 300, Rect{200, 0, 400, 300}}, // wide: bars left and right
		{150, 100, 7, 9, Rect{36, 0, 78, 100}},        // no panel below 200 pixels
		{0, 0, 7, 9, Rect{}},                          // minimised
		{640, 480, 1, 13, Rect{237, 0, 37, 480}},
	} {
		f := Layout(c.fw, c.fh, c.w, c.h, 4, 3, 5, 5)
		if f.Image != c.img {
			t.Errorf("Layout(%d×%d, image %d×%d).Image = %+v, want %+v", c.fw, c.fh, c.w, c.h, f.Image, c.img)
		}
		frame := Rect{0, 0, c.fw, c.fh}
		for _, r := range []Rect{f.Image, f.Content, f.Style} {
			if r.W > 0 && (!frame.Contains(r.X, r.Y) || !frame.Contains(r.X+r.W-1, r.Y+r.H-1)) {
				t.Errorf("%d×%d: %+v leaves the frame", c.fw, c.fh, r)
			}
		}
		if c.fw >= panelMin {
			if f.Content.W == 0 || f.Style.W == 0 || f.Content.Y+f.Content.H > f.Style.Y || f.Content.X < f.Image.X+f.Image.W {
				t.Errorf("%d×%d: thumbnails %+v %+v: want both in the panel, content above style", c.fw, c.fh, f.Content, f.Style)
			}
		} else if f.Content.W != 0 || f.Style.W != 0 {
			t.Errorf("%d×%d: thumbnails %+v %+v in a frame too narrow for the panel", c.fw, c.fh, f.Content, f.Style)
		}
	}
}

func TestWindowSize(t *testing.T) {
	for _, c := range []struct{ w, h, fw, fh int }{
		{64, 48, 480, 288},
		{512, 384, 640, 384},
		{2000, 1000, 1125, 450},
	} {
		fw, fh := WindowSize(c.w, c.h)
		if fw != c.fw || fh != c.fh {
			t.Errorf("WindowSize(%d, %d) = %d×%d, want %d×%d", c.w, c.h, fw, fh, c.fw, c.fh)
		}
		if img := Layout(fw, fh, c.w, c.h, 1, 1, 1, 1).Image; img.H != fh {
			t.Errorf("WindowSize(%d, %d): the image fills %+v of %d×%d, want the full height", c.w, c.h, img, fw, fh)
		}
	}
}
