package main

import (
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"
)

// writeMask writes a w×h mask, white where white(x, y).
func writeMask(t *testing.T, path string, w, h int, white func(x, y int) bool) string {
	t.Helper()
	im := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if white(x, y) {
				im.SetGray(x, y, color.Gray{255})
			}
		}
	}
	return encodePNG(t, path, im)
}

// Two styles under two masks of another size than the content render; a
// style mask per style is taken too; with each style loss.
func TestRenderMasks(t *testing.T) {
	requireDevice(t)
	dir := t.TempDir()
	left := writeMask(t, filepath.Join(dir, "left.png"), 20, 10, func(x, y int) bool { return x < 10 })
	right := writeMask(t, filepath.Join(dir, "right.png"), 20, 10, func(x, y int) bool { return x >= 10 })
	s1, s2 := writePNG(t, filepath.Join(dir, "s1.png"), 40, 40), writePNG(t, filepath.Join(dir, "s2.png"), 48, 32)
	for _, loss := range []string{"gram", "sw", "w2"} {
		out := filepath.Join(dir, loss+".png")
		code, _, stderr := vkstyle(t, small(out, "-style-loss", loss, "-style", s1+","+s2, "-content-masks", left+","+right, "-style-masks", right+","+left)...)
		if code != 0 {
			t.Fatalf("render -style-loss %s: %d %s", loss, code, stderr)
		}
		if _, err := os.Stat(out); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRenderMasksBadInput(t *testing.T) {
	requireDevice(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.png")
	white := writeMask(t, filepath.Join(dir, "white.png"), 8, 8, func(x, y int) bool { return true })
	black := writeMask(t, filepath.Join(dir, "black.png"), 8, 8, func(x, y int) bool { return false })
	s1, s2 := writePNG(t, filepath.Join(dir, "s1.png"), 40, 40), writePNG(t, filepath.Join(dir, "s2.png"), 40, 40)
	styles := s1 + "," + s2
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-style", styles, "-content-masks", white}, "-content-masks: 1 masks for 2 style images: give one mask per style"},
		{[]string{"-style", styles, "-content-masks", white + "," + filepath.Join(dir, "none.png")}, "-content-masks image " + filepath.Join(dir, "none.png")},
		{[]string{"-style", styles, "-content-masks", white + "," + s1 + "x"}, "s1.pngx"},
		{[]string{"-style", styles, "-content-masks", white + "," + black}, "content mask " + black + " covers nothing"},
		{[]string{"-style", styles, "-style-masks", white + "," + white}, "-style-masks needs -content-masks"},
		{[]string{"-style", styles, "-content-masks", white + "," + white, "-style-masks", white}, "-style-masks: 1 masks for 2 style images"},
		{[]string{"-style-loss", "w3"}, `-style-loss "w3": give gram, sw or w2`},
	} {
		code, _, stderr := vkstyle(t, small(out, c.args...)...)
		oneLineError(t, code, stderr, c.want)
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: failed but wrote %s", c.args, out)
			os.Remove(out)
		}
	}
}
