package stylize

import (
	"math/rand/v2"
	"testing"
)

// Every grid's interiors partition the image; every window has the
// tiling's size, starts on a multiple of the stride, lies inside the
// image and reaches halo pixels past its interior or the image's edge.
func TestTilingPartitions(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 300; trial++ {
		stride := []int{1, 2, 4, 16}[r.IntN(4)]
		halo := stride * r.IntN(4)
		win := 2*halo + stride*(1+r.IntN(8))
		w, h := 1+r.IntN(200), 1+r.IntN(200)
		tl := newTiling(w, h, win, halo, stride, r.IntN(2) == 0, r.Uint64())
		eval := r.IntN(50)
		owner := make([]int, w*h)
		for k, c := range tl.tiles(0, eval) {
			if c.x0%stride != 0 || c.y0%stride != 0 || c.x0 < 0 || c.y0 < 0 || c.x0+tl.winW > w || c.y0+tl.winH > h {
				t.Fatalf("%+v on %d×%d: window %+v misplaced", tl, w, h, c)
			}
			reach := func(i0, i1, s0, n, win int) bool {
				return i0 >= s0 && i1 <= s0+win && (i0-halo >= s0 || s0 == 0) && (i1+halo <= s0+win || s0+win == n)
			}
			if !reach(c.ix0, c.ix1, c.x0, w, tl.winW) || !reach(c.iy0, c.iy1, c.y0, h, tl.winH) {
				t.Fatalf("%+v on %d×%d: window %+v does not hold its interior and halo", tl, w, h, c)
			}
			if c.ix0%stride != 0 || c.iy0%stride != 0 {
				t.Fatalf("%+v: interior %+v off the stride", tl, c)
			}
			for y := c.iy0; y < c.iy1; y++ {
				for x := c.ix0; x < c.ix1; x++ {
					if owner[y*w+x] != 0 {
						t.Fatalf("%+v: pixel (%d,%d) in two interiors", tl, x, y)
					}
					owner[y*w+x] = k + 1
				}
			}
		}
		for i, o := range owner {
			if o == 0 {
				t.Fatalf("%+v on %d×%d: pixel %d in no interior", tl, w, h, i)
			}
		}
	}
}

// With jitter the grid moves from one evaluation to the next, the same
// way for the same seed; without it, it stays.
func TestTilingJitter(t *testing.T) {
	tl := newTiling(300, 200, 96, 16, 16, true, 7)
	moved := false
	for e := 1; e < 6; e++ {
		if tl.tiles(0, e)[0] != tl.tiles(0, e+1)[0] {
			moved = true
		}
	}
	if !moved {
		t.Error("the jittered grid never moved")
	}
	again := newTiling(300, 200, 96, 16, 16, true, 7)
	if a, b := tl.tiles(1, 4), again.tiles(1, 4); len(a) != len(b) || a[0] != b[0] || a[len(a)-1] != b[len(b)-1] {
		t.Error("the same seed placed the grid differently")
	}
	fixed := newTiling(300, 200, 96, 16, 16, false, 7)
	if fixed.tiles(0, 1)[1] != fixed.tiles(0, 2)[1] {
		t.Error("the fixed grid moved")
	}
}
