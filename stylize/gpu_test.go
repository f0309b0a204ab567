package stylize

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/gputest"
)

func gpuEngine(t *testing.T) *GPU {
	t.Helper()
	dev := gputest.Open(t, gpu.Options{})
	eng, err := NewGPU(dev)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() }) // before the device closes
	return eng
}

// The same run on the GPU and on the CPU reference follows the same
// trajectory within float32 rounding.
func TestGPUMatchesCPU(t *testing.T) {
	for _, opt := range []string{"lbfgs", "adam"} {
		t.Run(opt, func(t *testing.T) {
			eng := gpuEngine(t)
			o := tinyOptions()
			o.Optimizer = opt
			var lossCPU, lossGPU []float64
			run := func(e Engine, losses *[]float64) *Image {
				m := newTinyModel()
				defer m.free()
				r := Request{Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: o,
					Progress: func(p Progress) error { *losses = append(*losses, p.Loss); return nil }}
				im, err := Run(context.Background(), e, m, r)
				if err != nil {
					t.Fatal(err)
				}
				return im
			}
			want := run(NewCPU(), &lossCPU)
			got := run(eng, &lossGPU)
			for i := range lossCPU {
				if math.Abs(lossGPU[i]-lossCPU[i]) > 1e-3*math.Abs(lossCPU[i]) {
					t.Errorf("iteration %d: loss %v on the GPU, %v on the CPU", i+1, lossGPU[i], lossCPU[i])
				}
			}
			worst := 0.0
			for i := range want.Pix {
				worst = math.Max(worst, math.Abs(float64(got.Pix[i]-want.Pix[i])))
			}
			if worst > 1e-3 {
				t.Errorf("images differ by up to %g", worst)
			}
		})
	}
}

// longOnFastDevice skips a test whose optimisation runs take minutes on a
// slow device: SwiftShader's pass (build.sh) is there for its limits, which
// the shorter tests reach; lavapipe runs the long ones.
func longOnFastDevice(t *testing.T, eng *GPU) {
	t.Helper()
	if name := eng.Device().Info.Name; strings.Contains(name, "SwiftShader") {
		t.Skipf("long on %s; lavapipe runs it", name)
	}
}
