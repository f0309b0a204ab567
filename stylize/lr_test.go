package stylize

import (
	"context"
	"slices"
	"testing"
)

// Adam's learning rate is in pixel units of 0–255 for every model, so an
// explicit 10 (neural-style's -learning_rate default) is the default, and
// 20 is twice that: the same convention whatever the model's input scale.
func TestAdamLearningRateIsInPixelUnits(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	if m.InputScale() == 255 {
		t.Fatal("the tiny model uses Caffe's scale, for which both conventions agree: the test needs another")
	}
	run := func(lr float64) []float64 {
		o := tinyOptions()
		o.Optimizer, o.LearningRate, o.PrintEvery = "adam", lr, 0
		var losses []float64
		r := Request{Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: o,
			Progress: func(p Progress) error { losses = append(losses, p.Loss); return nil }}
		if _, err := Run(context.Background(), NewCPU(), m, r); err != nil {
			t.Fatal(err)
		}
		return losses
	}
	def, ten, twenty := run(0), run(10), run(20)
	if !slices.Equal(def, ten) {
		t.Errorf("-lr 10 differs from the default:\n default %v\n lr 10   %v", def, ten)
	}
	if slices.Equal(ten, twenty) {
		t.Errorf("-lr 20 changed nothing")
	}
}
