package stylize

import (
	"context"
	"testing"
)

func tinyOptions() Options {
	return Options{
		Size: 24, Iterations: 8,
		ContentLayers: []Layer{{"relu2_1", 1}},
		StyleLayers:   []Layer{{"relu1_1", 1}, {"relu2_1", 1}},
		Init:          "content",
		PrintEvery:    4,
	}
}

func TestRunReducesLossCPU(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	var losses []float64
	var terms int
	r := Request{
		Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: tinyOptions(),
		Progress: func(p Progress) error {
			losses = append(losses, p.Loss)
			if p.Terms != nil {
				terms++
			}
			return nil
		},
	}
	im, err := Run(context.Background(), NewCPU(), m, r)
	if err != nil {
		t.Fatal(err)
	}
	if im.W != 24 || im.H != 18 {
		t.Errorf("result %d×%d, want 24×18", im.W, im.H)
	}
	if len(losses) != 8 || losses[7] >= losses[0] {
		t.Errorf("losses %v: want 8 reports, decreasing", losses)
	}
	if terms != 2 {
		t.Errorf("%d reports with loss terms, want 2 (every 4 iterations)", terms)
	}
}
