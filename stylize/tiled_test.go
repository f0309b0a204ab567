package stylize

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/graph"
)

// evalWhole returns the loss and gradient of o's objective at x on a w×h
// image, untiled.
func evalWhole(t *testing.T, eng Engine, m Model, o Options, w, h int, x []float32, tg [][]float32) (float64, []float32) {
	t.Helper()
	b := eng.Backend()
	ob, err := buildObjective(m, b, o, objShape{h: h, w: w})
	if err != nil {
		t.Fatal(err)
	}
	var bufs []graph.Buffer
	defer func() {
		for _, buf := range bufs {
			b.Free(buf)
		}
	}()
	bind := func(tn *graph.Tensor, data []float32) {
		buf, err := b.Alloc(len(data), tn.Name())
		if err != nil {
			t.Fatal(err)
		}
		bufs = append(bufs, buf)
		if err := b.Upload(buf, data); err != nil {
			t.Fatal(err)
		}
		tn.Bind(buf)
	}
	for i, tn := range ob.targets {
		bind(tn, tg[i])
	}
	bind(ob.x, x)
	prog, err := ob.g.Compile(b)
	if err != nil {
		t.Fatal(err)
	}
	defer prog.Close()
	prog.Run()
	loss, grad := make([]float32, 1), make([]float32, len(x))
	if err := b.Download(ob.total.Buffer(), loss); err != nil {
		t.Fatal(err)
	}
	if err := b.Download(ob.x.Grad(), grad); err != nil {
		t.Fatal(err)
	}
	return float64(loss[0]), grad
}

// evalTiled is evalWhole tile by tile in windows of side win with halo,
// at evaluation eval (the grid's place when jitter is on).
func evalTiled(t *testing.T, eng Engine, m Model, o Options, w, h, win, halo int, jitter bool, eval int, x []float32, tg [][]float32) (float64, Terms, []float32) {
	t.Helper()
	stride, _ := m.Geometry(layerSet(o))
	to, err := newTiledObjective(m, eng.Backend(), o, 0, w, h, newTiling(w, h, win, halo, stride, jitter, 5))
	if err != nil {
		t.Fatal(err)
	}
	nc := len(o.ContentLayers)
	if err := to.open(eng.Backend(), tg[:nc], tg[nc:]); err != nil {
		t.Fatal(err)
	}
	defer to.close(eng.Backend())
	grad := make([]float32, len(x))
	loss, terms, err := to.evaluate(eng.Backend(), x, grad, eval)
	if err != nil {
		t.Fatal(err)
	}
	return loss, terms, grad
}

// relDiff is max |a−b| over max |b|.
func relDiff(a, b []float32) float64 {
	var d, n float64
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
		n = math.Max(n, math.Abs(float64(b[i])))
	}
	return d / n
}

// tiledCase sets up o's targets for a w×h content and a style, and a
// random starting image.
func tiledCase(t *testing.T, eng Engine, m Model, o Options, w, h int) (x []float32, tg [][]float32) {
	t.Helper()
	content := m.Preprocess(SampleContent(w, h))
	sw, sh := FitSide(40, 32, max(w, h))
	style := m.Preprocess(SampleStyle(sw, sh))
	tg, err := targets(eng, m, o, content, h, w, [][]float32{style}, [][2]int{{sh, sw}}, 0, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	x = make([]float32, 3*w*h)
	for i := range x {
		x[i] = content[i] + float32(0.2*r.NormFloat64())
	}
	return x, tg
}

// With a halo of the network's whole radius, the tiled loss and gradient
// are the whole image's up to the order of the sums, wherever the grid
// falls; with no halo they are not (the test can fail).
func TestTiledMatchesWholeCPU(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	eng := NewCPU()
	o := tinyOptions().Defaults()
	o.StyleLayers = []Layer{{"relu1_1", 1}, {"relu2_1", 0.5}}
	o.ContentLayers = []Layer{{"relu2_1", 1}, {"relu1_1", 0.3}}
	const w, h = 42, 37
	x, tg := tiledCase(t, eng, m, o, w, h)
	lw, gw := evalWhole(t, eng, m, o, w, h, x, tg)
	for _, c := range []struct {
		win, halo int
		jitter    bool
		eval      int
	}{{16, 4, false, 1}, {16, 4, true, 1}, {16, 4, true, 2}, {22, 4, true, 3}, {64, 4, false, 1}} {
		lt, _, gt := evalTiled(t, eng, m, o, w, h, c.win, c.halo, c.jitter, c.eval, x, tg)
		t.Logf("%+v: %d tiles, loss %v vs %v, gradient differs by %.2g", c,
			len(newTiling(w, h, c.win, c.halo, 2, c.jitter, 5).tiles(0, c.eval)), lt, lw, relDiff(gt, gw))
		if d := math.Abs(lt-lw) / math.Abs(lw); d > 1e-5 {
			t.Errorf("%+v: loss %v tiled, %v whole (relative difference %.2g)", c, lt, lw, d)
		}
		if d := relDiff(gt, gw); d > 1e-4 {
			t.Errorf("%+v: gradient differs by %.2g of its largest element", c, d)
		}
	}
	_, _, g0 := evalTiled(t, eng, m, o, w, h, 16, 0, false, 1, x, tg)
	t.Logf("no halo: gradient differs by %.2g", relDiff(g0, gw))
	if d := relDiff(g0, gw); d < 1e-3 {
		t.Errorf("without a halo the gradient differs by only %.2g: the test cannot see a missing halo", d)
	}
}

// Targets computed tile by tile (full halo) are the whole image's.
func TestTiledForwardMatchesWholeCPU(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	eng := NewCPU()
	const w, h = 38, 29
	in := m.Preprocess(SampleContent(w, h))
	layers := []string{"relu1_1", "relu2_1"}
	feats, err := forwardKept(eng, m, in, h, w, layers, false, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	grams, err := forwardKept(eng, m, in, h, w, layers, true, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tf, tgm, err := tiledForward(eng, m, in, w, h, newTiling(w, h, 14, 4, 2, true, 9), layers, layers)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		if d := relDiff(tf[l], feats[l]); d > 1e-6 {
			t.Errorf("%s features differ by %.2g", l, d)
		}
		if d := relDiff(tgm[l], grams[l]); d > 1e-6 {
			t.Errorf("%s Gram matrices differ by %.2g", l, d)
		}
	}
}

// A tiled run whose optimiser does not fit host memory shortens L-BFGS's
// history (and says so), and refuses, before any work, what does not fit
// even so.
func TestTiledHostMemory(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	o := tinyOptions()
	o.Size, o.Tile, o.Iterations = 40, 16, 8
	var notes []string
	avail := int64(200 << 10)
	r := Request{Content: SampleContent(40, 30), Styles: []*Image{SampleStyle(32, 32)}, Options: o,
		Notice: func(s string) { notes = append(notes, s) }, hostMemory: func() int64 { return avail }}
	if _, err := Run(context.Background(), NewCPU(), m, r); err != nil {
		t.Fatal(err)
	}
	if len(notes) != 2 || !strings.Contains(notes[0], "L-BFGS history shortened from 100 to") || !strings.Contains(notes[1], "tiles of 16×16") {
		t.Errorf("notices %q: want the shortened history, then the tiling", notes)
	}
	avail = 20 << 10
	evals := 0
	r.evalHook = func(float64) { evals++ }
	_, err := Run(context.Background(), NewCPU(), m, r)
	if err == nil || !strings.Contains(err.Error(), "of host memory") || !strings.Contains(err.Error(), "-optimizer adam") || evals > 0 {
		t.Errorf("20 KiB of host memory: %v after %d evaluations, want a refusal before any", err, evals)
	}
}

// A tiled run passes the whole image to the Frame hook (a preview) after
// every iteration, as an untiled run does.
func TestTiledFrames(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	eng := NewCPU()
	o := tinyOptions()
	o.Size, o.Tile, o.Iterations = 40, 16, 5
	frames := 0
	var last []float32
	r := Request{Content: SampleContent(40, 30), Styles: []*Image{SampleStyle(32, 32)}, Options: o,
		Frame: func(x graph.Buffer, w, h int) error {
			frames++
			if w != 40 || h != 30 {
				t.Errorf("frame %d is %d×%d, want the whole 40×30 image", frames, w, h)
			}
			last = make([]float32, x.Len())
			return eng.Backend().Download(x, last)
		}}
	im, err := Run(context.Background(), eng, m, r)
	if err != nil {
		t.Fatal(err)
	}
	if frames != o.Iterations {
		t.Errorf("%d frames for %d iterations", frames, o.Iterations)
	}
	if d := relDiff(last, m.Preprocess(im)); d > 1e-6 {
		t.Errorf("the last frame differs from the result by %.2g", d)
	}
}
