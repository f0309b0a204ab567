package stylize

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/vkstyle/vkstyle/graph"
)

// Frame sees every iterate, on the engine, with nothing pending: the
// buffer it gets holds what Run would return at that point. Its error
// stops the run with the current image.
func TestFrameSeesEveryIterate(t *testing.T) {
	for _, name := range []string{"cpu", "gpu"} {
		t.Run(name, func(t *testing.T) {
			var eng Engine = NewCPU()
			if name == "gpu" {
				eng = gpuEngine(t)
			}
			m := newTinyModel()
			defer m.free()
			o := tinyOptions()
			o.Scales, o.Size, o.Iterations = 2, 32, 4
			stop := errors.New("enough")
			var calls, done int
			var last []float32
			var sizes [][2]int
			r := Request{Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: o,
				Progress: func(p Progress) error { done = p.Done; return nil },
				Frame: func(x graph.Buffer, w, h int) error {
					calls++
					if calls != done {
						t.Errorf("frame %d after progress report %d: want one frame per iteration, after its report", calls, done)
					}
					if x.Len() != 3*w*h {
						t.Fatalf("frame buffer of %d floats for %d×%d", x.Len(), w, h)
					}
					sizes = append(sizes, [2]int{w, h})
					last = make([]float32, x.Len())
					if err := eng.Backend().Download(x, last); err != nil {
						t.Fatal(err)
					}
					if calls == 6 {
						return stop
					}
					return nil
				}}
			im, err := Run(context.Background(), eng, m, r)
			if !errors.Is(err, stop) {
				t.Fatalf("Run returned %v, want the frame's error", err)
			}
			if calls != 6 {
				t.Errorf("%d frames, want 6 (the run stops at the sixth)", calls)
			}
			if sizes[0] == sizes[len(sizes)-1] {
				t.Errorf("frame sizes %v: want the first scale's size, then the second's", sizes)
			}
			want := m.Deprocess(last, im.W, im.H)
			worst := 0.0
			for i := range want.Pix {
				worst = math.Max(worst, math.Abs(float64(im.Pix[i]-want.Pix[i])))
			}
			if worst != 0 {
				t.Errorf("the image returned differs from the last frame's by up to %g", worst)
			}
		})
	}
}
