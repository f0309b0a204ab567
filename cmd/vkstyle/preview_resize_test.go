package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Resizing the preview window again and again while the optimisation
// runs recreates the swapchain each time with an extent within the
// surface's current limits, retires the old swapchains and their
// semaphores only once it is safe, and keeps presenting, with the
// validation layer (when $VKSTYLE_VALIDATE=1) silent throughout.
func TestPreviewRepeatedResizes(t *testing.T) {
	requireDevice(t)
	display := xvfb(t)
	done, stderr := startPreview(t, display, "-model", "embedded", "-size", "64", "-iterations", "100000", "-quiet")
	win, _, iteration, key := previewWindow(t, display)
	poll(t, "iteration 1", 30*time.Second, func() bool { return iteration() >= 1 })
	w, h := 0, 0
	for i := 0; i < 24; i++ {
		// Sizes that grow, shrink and change shape; no wait for a frame
		// between some of them, so the surface can change while a
		// swapchain is being made.
		w, h = 160+(i*53)%420, 120+(i*37)%300
		x(t, display, "xdotool", "windowsize", "--sync", win, fmt.Sprint(w), fmt.Sprint(h))
		if i%3 == 0 {
			time.Sleep(150 * time.Millisecond)
		}
	}
	dir := t.TempDir()
	poll(t, "the last size on screen", 10*time.Second, func() bool {
		p := dir + "/last.png"
		x(t, display, "import", "-window", win, p)
		im := decodeRGBA(t, p)
		return im.Rect.Dx() == w && im.Rect.Dy() == h
	})
	it := iteration()
	poll(t, "the run to go on", 30*time.Second, func() bool { return iteration() > it })
	quit(t, key, done)
	if strings.Contains(stderr.String(), "validation") {
		t.Errorf("validation messages:\n%s", stderr.String())
	}
}
