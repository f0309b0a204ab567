package stylize

import (
	"context"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/gputest"
)

// An evaluation cut into many submissions (a budget far below one
// convolution, so every convolution and Gram pass is its own) gives the
// same image, bit for bit, as one submission per evaluation.
func TestSplitSubmissionsSameImage(t *testing.T) {
	run := func(gflop float64) ([]float32, int) {
		dev := gputest.Open(t, gpu.Options{SubmitGFLOP: gflop})
		eng, err := NewGPU(dev)
		if err != nil {
			t.Fatal(err)
		}
		defer eng.Close()
		m := newTinyModel()
		defer m.free()
		im, err := Run(context.Background(), eng, m, Request{Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: tinyOptions()})
		if err != nil {
			t.Fatal(err)
		}
		return im.Pix, eng.Stream().MaxSplit()
	}
	whole, n := run(-1)
	if n != 1 {
		t.Fatalf("without a budget an evaluation took %d submissions", n)
	}
	split, n := run(1e-9)
	if n < 5 {
		t.Errorf("with a budget of 1 FLOP an evaluation took %d submissions, want one per convolution and Gram pass", n)
	}
	for i := range whole {
		if split[i] != whole[i] {
			t.Fatalf("pixel value %d: %v cut into submissions, %v in one", i, split[i], whole[i])
		}
	}
}
