package preview

// Rect is a rectangle of a frame in pixels, from its top-left corner.
type Rect struct{ X, Y, W, H int }

// Contains reports whether pixel (x, y) lies in r.
func (r Rect) Contains(x, y int) bool { return x >= r.X && y >= r.Y && x < r.X+r.W && y < r.Y+r.H }

// Frame is where a frame shows the image and its two thumbnails.
type Frame struct {
	Image, Content, Style Rect
}

// panelMin is the narrowest frame with a thumbnail panel, in pixels;
// margin is the gap around each thumbnail.
const (
	panelMin = 200
	margin   = 4
)

// Layout places an image of w×h and the content (cw×ch) and style (sw×sh)
// thumbnails in a frame of fw×fh pixels. A panel on the right, a fifth
// of the frame's width (none in frames narrower than 200 pixels), holds
// the content thumbnail above the style thumbnail; the image is
// letterboxed into the rest. Each keeps its aspect ratio and is centred in
// its box. Empty sizes give empty rectangles.
func Layout(fw, fh, w, h, cw, ch, sw, sh int) Frame {
	panel := 0
	if fw >= panelMin {
		panel = fw / 5
	}
	var f Frame
	f.Image = fit(Rect{0, 0, fw - panel, fh}, w, h)
	if panel > 0 {
		half := fh / 2
		f.Content = fit(Rect{fw - panel + margin, margin, panel - 2*margin, half - 2*margin}, cw, ch)
		f.Style = fit(Rect{fw - panel + margin, half + margin, panel - 2*margin, fh - half - 2*margin}, sw, sh)
	}
	return f
}

// fit returns the largest rectangle of w×h's aspect ratio inside box,
// centred; empty when box or the size is empty.
func fit(box Rect, w, h int) Rect {
	if box.W <= 0 || box.H <= 0 || w <= 0 || h <= 0 {
		return Rect{}
	}
	rw, rh := box.W, box.H
	if w*box.H > h*box.W { // wider than the box: full width
		rh = max(1, (h*box.W+w/2)/w)
	} else {
		rw = max(1, (w*box.H+h/2)/h)
	}
	return Rect{box.X + (box.W-rw)/2, box.Y + (box.H-rh)/2, rw, rh}
}

// WindowSize is the initial window size for an image of w×h: the image
// shown with its longer side between 384 and 900 pixels, beside the
// thumbnail panel.
func WindowSize(w, h int) (fw, fh int) {
	long := max(w, h)
	target := min(max(long, 384), 900)
	mw, mh := w*target/long, h*target/long
	fw = mw + mw/4 // the panel is a fifth of the whole
	return fw, mh
}
