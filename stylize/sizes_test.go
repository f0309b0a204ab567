package stylize

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/vgg"
)

// Images too small for the network's poolings, or resized over the pixel
// budget, are refused before anything is allocated, with one line naming
// the image, its size and the option that fixes it.
func TestRunChecksImageSizes(t *testing.T) {
	m := FromNet("embedded", vgg.NewRandom(1))
	named := func(im *Image, name string) *Image { im.Name = name; return im }
	cases := []struct {
		name    string
		content *Image
		style   *Image
		o       func(*Options)
		want    []string
	}{
		{"a 1×500 content", named(SampleContent(1, 500), "thin.png"), nil, func(o *Options) {},
			[]string{"content image thin.png (1×500) becomes 1×32 at -size 32", "16 pixels a side", "use -size 7750 or more"}},
		{"-size 16", nil, nil, func(o *Options) { o.Size = 16 },
			[]string{"the content image (384×288) becomes 16×12 at -size 16", "use -size 21 or more"}},
		{"-scales 12", nil, nil, func(o *Options) { o.Scales = 12 },
			[]string{"at scale 1 of 12 (16 pixels; -size 32, -scales 12)", "use -scales 2 or fewer"}},
		{"-style-scale 1e-9", nil, named(SampleStyle(40, 30), "wide.jpg"), func(o *Options) { o.StyleScale = 1e-9 },
			[]string{"style image wide.jpg (40×30) becomes 16×12", "with -style-scale 1e-09", "use -style-scale 0.657 or more"}},
		{"-size over the budget", nil, nil, func(o *Options) { o.Size, o.MaxPixels = 4000, 1e6 },
			[]string{"the content image (384×288) becomes 4000×3000 at -size 4000: 12 megapixels, over the pixel budget of 1 megapixels", "use -size 1153 or less, or raise -max-pixels"}},
		{"-style-scale over the budget", nil, nil, func(o *Options) { o.StyleScale = 1000 },
			[]string{"style image 1 (384×384) becomes 32000×32000", "1024 megapixels, over the pixel budget of 100 megapixels", "use -style-scale 312 or less"}},
	}
	for _, c := range cases {
		if c.content == nil {
			c.content = SampleContent(384, 288)
		}
		if c.style == nil {
			c.style = SampleStyle(384, 384)
		}
		o := Options{Size: 32, Iterations: 1}
		c.o(&o)
		_, err := Run(context.Background(), NewCPU(), m, Request{Content: c.content, Styles: []*Image{c.style}, Options: o})
		if err == nil {
			t.Errorf("%s: ran", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", c.name, err, w)
			}
		}
	}
}

// The advice is safe: at the size it names, the image is accepted.
func TestSizeAdviceFits(t *testing.T) {
	m := FromNet("embedded", vgg.NewRandom(1))
	content := SampleContent(384, 288)
	o := Options{Size: 21, Iterations: 1}.Defaults()
	if err := checkSizes(m, Request{Content: content, Styles: []*Image{SampleStyle(8, 8)}}, o, Schedule(o)); err != nil {
		t.Errorf("-size 21: %v", err)
	}
	o = Options{Size: 32, Scales: 2, Iterations: 1}.Defaults()
	if err := checkSizes(m, Request{Content: content, Styles: []*Image{SampleStyle(8, 8)}}, o, Schedule(o)); err != nil {
		t.Errorf("-scales 2: %v", err)
	}
	o = Options{Size: 1153, StyleScale: 0.5, MaxPixels: 1e6, Iterations: 1}.Defaults()
	if err := checkSizes(m, Request{Content: content, Styles: []*Image{SampleStyle(8, 8)}}, o, Schedule(o)); err != nil {
		t.Errorf("-size 1153 within 1 megapixel: %v", err)
	}
	o = Options{Size: 32, StyleScale: 312, Iterations: 1}.Defaults()
	if err := checkSizes(m, Request{Content: content, Styles: []*Image{SampleStyle(384, 384)}}, o, Schedule(o)); err != nil {
		t.Errorf("-style-scale 312: %v", err)
	}
	o = Options{Size: 32, StyleScale: 0.657, Iterations: 1}.Defaults()
	if err := checkSizes(m, Request{Content: content, Styles: []*Image{SampleStyle(40, 30)}}, o, Schedule(o)); err != nil {
		t.Errorf("-style-scale 0.657: %v", err)
	}
}

func TestValidateStyleScaleAndBlend(t *testing.T) {
	layers := []string{"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu4_2", "relu5_1"}
	cases := []struct {
		o    Options
		want string
	}{
		{Options{Size: 32, StyleScale: 1025}, "style scale 1025 makes the styles' longer side 32800 pixels at size 32, over 32768: give a style scale of at most 1024"},
		{Options{StyleBlend: []float64{1e308, 1e308}}, "sum to more than the largest float"},
		{Options{StyleBlend: []float64{1, math.Inf(1)}}, "give finite numbers"},
		{Options{StyleBlend: []float64{0, 0}}, "sum to 0"},
	}
	for _, c := range cases {
		err := c.o.Defaults().Validate(2, layers)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
	if err := (Options{StyleBlend: []float64{1e307, 1e307}}).Defaults().Validate(2, layers); err != nil {
		t.Errorf("large finite blend weights: %v", err)
	}
}

// budgetEngine is an engine with a memory budget of its own.
type budgetEngine struct {
	Engine
	budget int64
}

func (e budgetEngine) Budget() int64 { return e.budget }

// A style image that does not fit the device is blamed on -style-scale,
// not on -size (which was not what made it large).
func TestStyleTooLargeForDeviceAdvice(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	o := tinyOptions()
	o.Size, o.StyleScale = 32, 60
	eng := budgetEngine{NewCPU(), 16 << 20}
	_, err := Run(context.Background(), eng, m, Request{Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(64, 64)}, Options: o})
	if err == nil || !strings.Contains(err.Error(), "a 1920-pixel image needs about") || !strings.Contains(err.Error(), "use -style-scale") || strings.Contains(err.Error(), "-size") {
		t.Errorf("%v: want the -style-scale that fits", err)
	}
}

// The memory check counts the optimiser's vectors, which for L-BFGS's
// default history outweigh the network's activations: a budget that
// holds the graph but not the history is refused before the run.
func TestFitCountsOptimiser(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	o := tinyOptions()
	o.History, o.Iterations = 100, 200
	o.Tile = TileOff // else the run tiles, the optimiser in host memory
	o = o.Defaults()
	eng := NewCPU()
	ob, err := buildObjective(m, eng.Backend(), o, objShape{h: 18, w: 24})
	if err != nil {
		t.Fatal(err)
	}
	graphOnly := budgetEngine{eng, ob.planBytes() + 1<<16}
	r := Request{Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: o}
	if _, err := Run(context.Background(), graphOnly, m, r); err == nil || !strings.Contains(err.Error(), "-size") {
		t.Errorf("L-BFGS with 100 pairs in a budget for the graph alone: %v", err)
	}
	r.Options.Optimizer = "adam"
	if _, err := Run(context.Background(), graphOnly, m, r); err != nil {
		t.Errorf("Adam within the budget: %v", err)
	}
}
