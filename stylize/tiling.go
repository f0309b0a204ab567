package stylize

import (
	"math/rand/v2"
)

// A tiling cuts a W×H image into tiles for an evaluation that does not
// fit the device whole (see tiledObjective). Every tile is a window of
// the same winW×winH pixels, so one compiled program serves them all; its
// interior is the part of the image whose features it owns. The interiors
// partition the image; each window reaches at least halo pixels beyond its
// interior (where the image goes on), so with halo ≥ the network's radius
// (Model.Geometry) the interior's features are those of the whole image.
//
// Window origins and interior edges fall on multiples of the network's
// stride, so a tile's poolings pair the pixels the whole image's do and
// its feature positions are whole-image positions shifted by an integer.
// A window that reaches the image's right or bottom edge ends exactly
// there (its size is chosen so that it can), where the network pads as
// it does on the whole image.
type tiling struct {
	w, h       int
	side       int // the window side asked for
	step       int // interior side of a whole tile
	halo       int
	stride     int
	winW, winH int
	jitter     bool
	seed       uint64
}

// tile is one window and its interior, in image pixels: the window is
// [x0, x0+winW)×[y0, y0+winH), the interior [ix0, ix1)×[iy0, iy1).
type tile struct {
	x0, y0             int
	ix0, ix1, iy0, iy1 int
}

// newTiling plans tiles of window side win (a multiple of stride, more
// than 2·halo) over a w×h image.
func newTiling(w, h, win, halo, stride int, jitter bool, seed uint64) tiling {
	t := tiling{w: w, h: h, side: win, step: win - 2*halo, halo: halo, stride: stride, jitter: jitter, seed: seed}
	t.winW, t.winH = t.window(w), t.window(h)
	return t
}

// window is the window length along a side of n pixels: the whole side
// when one tile covers it, else step+2·halo stretched by the remainder
// that lets a window start on a multiple of stride and end at n.
func (t tiling) window(n int) int {
	win := t.step + 2*t.halo
	if win >= n {
		return n
	}
	return win + (n-win)%t.stride
}

// count is how many tiles an evaluation visits (at most; with jitter a
// grid may have one more row or column than without).
func (t tiling) count() int {
	return len(t.spans(t.w, t.winW, 0)) * len(t.spans(t.h, t.winH, 0))
}

// maxCount is the most tiles any evaluation visits.
func (t tiling) maxCount() int {
	n := func(side, win int) int {
		if win >= side {
			return 1
		}
		return (side+t.step-1)/t.step + 1
	}
	return n(t.w, t.winW) * n(t.h, t.winH)
}

// offset is where the grid starts at evaluation eval: 0 without jitter,
// else a multiple of stride below step drawn from the seed, the scale and
// eval, so a resumed run offsets its evaluations as the first run did.
func (t tiling) offset(scale, eval int, axis uint64) int {
	if !t.jitter || t.step <= t.stride {
		return 0
	}
	r := rand.New(rand.NewPCG(t.seed^0x74696c65, uint64(scale)<<40|uint64(eval)<<1|axis))
	return r.IntN(t.step/t.stride) * t.stride
}

// span is an interior [i0, i1) and its window's start along one side.
type span struct{ start, i0, i1 int }

// spans cuts a side of n pixels into interiors of step pixels after a
// first one of off pixels (none when off is 0), each with the start of
// the window of length win that holds it and halo pixels either side.
func (t tiling) spans(n, win, off int) []span {
	if win >= n {
		return []span{{0, 0, n}}
	}
	var out []span
	for i0 := 0; i0 < n; {
		i1 := off
		if i0 > 0 || off == 0 {
			i1 = i0 + t.step
		}
		i1 = min(i1, n)
		start := min(max(i0-t.halo, 0), n-win)
		out = append(out, span{start, i0, i1})
		i0 = i1
	}
	return out
}

// tiles returns the tiles of evaluation eval at scale, row by row.
func (t tiling) tiles(scale, eval int) []tile {
	var out []tile
	for _, ys := range t.spans(t.h, t.winH, t.offset(scale, eval, 1)) {
		for _, xs := range t.spans(t.w, t.winW, t.offset(scale, eval, 0)) {
			out = append(out, tile{x0: xs.start, y0: ys.start, ix0: xs.i0, ix1: xs.i1, iy0: ys.i0, iy1: ys.i1})
		}
	}
	return out
}
