package stylize

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/vgg"
)

// On the GPU, with the embedded network at 512², the tiled objective (full
// halo) is the whole image's: the first evaluation's loss within 1e-5,
// its gradient within 1e-4 of the largest element. (At this size the
// untiled Gram matrices needed the fix for llvmpipe's loop budget.)
func TestTiledMatchesWholeGPU(t *testing.T) {
	eng := gpuEngine(t)
	longOnFastDevice(t, eng)
	m := FromNet("embedded", vgg.NewRandom(0))
	defer m.Close()
	o := Options{ContentLayers: []Layer{{"relu3_1", 1}}, StyleWeight: 1e5, ContentWeight: 1}.Defaults()
	const w, h = 512, 512
	x, tg := tiledCase(t, eng, m, o, w, h)
	lw, gw := evalWhole(t, eng, m, o, w, h, x, tg)
	stride, radius := m.Geometry(layerSet(o))
	full := roundUp(radius, stride)
	for _, win := range []int{2*full + 320} { // 448: 4 tiles
		lt, _, gt := evalTiled(t, eng, m, o, w, h, win, full, true, 1, x, tg)
		t.Logf("window %d, halo %d: loss %v tiled, %v whole; gradient differs by %.2g", win, full, lt, lw, relDiff(gt, gw))
		if d := math.Abs(lt-lw) / math.Abs(lw); d > 1e-5 {
			t.Errorf("window %d: loss %v tiled, %v whole (relative difference %.2g)", win, lt, lw, d)
		}
		if d := relDiff(gt, gw); d > 1e-4 {
			t.Errorf("window %d: gradient differs by %.2g of its largest element", win, d)
		}
	}
}

// Targets tiled on the GPU (full halo) are the whole image's.
func TestTiledForwardMatchesWholeGPU(t *testing.T) {
	eng := gpuEngine(t)
	m := FromNet("embedded", vgg.NewRandom(0))
	defer m.Close()
	const w, h = 200, 150
	in := m.Preprocess(SampleContent(w, h))
	layers := []string{"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"}
	feats, err := forwardKept(eng, m, in, h, w, layers[2:3], false, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	grams, err := forwardKept(eng, m, in, h, w, layers, true, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	stride, radius := m.Geometry(layers)
	tf, tgm, err := tiledForward(eng, m, in, w, h, newTiling(w, h, 144, roundUp(radius, stride), stride, false, 0), layers[2:3], layers)
	if err != nil {
		t.Fatal(err)
	}
	if d := relDiff(tf["relu3_1"], feats["relu3_1"]); d > 1e-6 {
		t.Errorf("relu3_1 features differ by %.2g", d)
	}
	for _, l := range layers {
		if d := relDiff(tgm[l], grams[l]); d > 1e-4 { // float32 sums over 30000 positions, whole or in tiles
			t.Errorf("%s Gram matrices differ by %.2g", l, d)
		}
	}
}

// A run whose plan does not fit -memory-limit tiles, and its first loss
// is the untiled run's (full halo); with tiling off the same limit is an
// error that advises a -size.
func TestMemoryLimitTiles(t *testing.T) {
	eng := gpuEngine(t)
	longOnFastDevice(t, eng)
	m := FromNet("embedded", vgg.NewRandom(0))
	defer m.Close()
	first := func(o Options) (float64, []string, error) {
		var loss float64
		var notes []string
		r := Request{Content: SampleContent(256, 192), Styles: []*Image{SampleStyle(256, 256)}, Options: o,
			evalHook: func(l float64) {
				if loss == 0 {
					loss = l
				}
			},
			Notice: func(s string) { notes = append(notes, s) }}
		_, err := Run(context.Background(), eng, m, r)
		return loss, notes, err
	}
	o := Options{Size: 256, Iterations: 1, ContentLayers: []Layer{{"relu3_1", 1}}, StyleWeight: 1e5, ContentWeight: 1, Init: "content"}
	whole, notes, err := first(o)
	if err != nil || len(notes) != 0 {
		t.Fatalf("untiled: %v %q", err, notes)
	}
	o.MemoryLimit, o.TileHalo = 48<<20, TileHaloFull
	tiled, notes, err := first(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "tiles of") {
		t.Fatalf("tiled within 48 MiB: notices %q, want one saying how it tiles", notes)
	}
	t.Log(notes[0])
	if d := math.Abs(tiled-whole) / whole; d > 1e-5 {
		t.Errorf("first loss %v tiled, %v whole (relative %.2g)", tiled, whole, d)
	}
	o.Tile = TileOff
	if _, _, err := first(o); err == nil || !strings.Contains(err.Error(), "-size") {
		t.Errorf("-tile off within 48 MiB: %v, want -size advice", err)
	}
}
