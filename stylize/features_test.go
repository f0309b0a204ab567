package stylize

import (
	"context"
	"math"
	"testing"
)

// Blending two styles makes the Gram targets the weighted sum of each
// style's Grams.
func TestStyleBlendTargets(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	eng := NewCPU()
	o := tinyOptions().Defaults()
	a, b := SampleStyle(24, 24), SampleContent(24, 24)
	in := func(im *Image) []float32 { return m.Preprocess(im) }
	content := in(SampleContent(24, 18))
	sizes := [][2]int{{24, 24}, {24, 24}}
	only := func(x []float32) [][]float32 {
		tg, err := targets(eng, m, o, content, 18, 24, [][]float32{x}, sizes[:1], 0, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tg
	}
	ta, tb := only(in(a)), only(in(b))
	o.StyleBlend = []float64{3, 1}
	mixed, err := targets(eng, m, o, content, 18, 24, [][]float32{in(a), in(b)}, sizes, 0, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	nc := len(o.ContentLayers)
	for l := nc; l < len(mixed); l++ {
		for i := range mixed[l] {
			want := 0.75*float64(ta[l][i]) + 0.25*float64(tb[l][i])
			if math.Abs(float64(mixed[l][i])-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Fatalf("style layer %d element %d: %v, want 0.75·%v + 0.25·%v", l-nc, i, mixed[l][i], ta[l][i], tb[l][i])
			}
		}
	}
	if &mixed[0][0] == &ta[0][0] || mixed[0][0] != ta[0][0] {
		t.Errorf("the content target depends on the styles")
	}
}

// With OriginalColors the result has the content's chroma.
func TestOriginalColorsEndToEnd(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	o := tinyOptions()
	o.OriginalColors = true
	content := SampleContent(24, 18)
	im, err := Run(context.Background(), NewCPU(), m, Request{Content: content, Styles: []*Image{SampleStyle(24, 24)}, Options: o})
	if err != nil {
		t.Fatal(err)
	}
	_, cb, cr := toYCbCr(im)
	_, cbc, crc := toYCbCr(content)
	for i := range cb {
		if math.Abs(float64(cb[i]-cbc[i])) > 1e-5 || math.Abs(float64(cr[i]-crc[i])) > 1e-5 {
			t.Fatalf("pixel %d: chroma (%v,%v), content's (%v,%v)", i, cb[i], cr[i], cbc[i], crc[i])
		}
	}
}

// A multi-scale run visits the scheduled sides with the scheduled
// iterations, and each scale starts from the last one's result.
func TestMultiScaleFollowsSchedule(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	o := tinyOptions()
	o.Size, o.Scales, o.Iterations = 32, 3, 4
	want := Schedule(o.Defaults())
	seen := map[int]int{}
	var first []float64
	r := Request{Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: o,
		Progress: func(p Progress) error {
			seen[p.Side]++
			if p.Iteration == 1 {
				first = append(first, p.Loss)
			}
			if p.Scales != len(want) {
				t.Errorf("report says %d scales, want %d", p.Scales, len(want))
			}
			return nil
		}}
	im, err := Run(context.Background(), NewCPU(), m, r)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range want {
		if seen[sc.Side] != sc.Iterations {
			t.Errorf("side %d: %d iterations, want %d (schedule %v)", sc.Side, seen[sc.Side], sc.Iterations, want)
		}
	}
	if im.W != 32 || im.H != 24 {
		t.Errorf("result %d×%d", im.W, im.H)
	}
	if len(first) != 3 {
		t.Fatalf("first losses %v", first)
	}
}
