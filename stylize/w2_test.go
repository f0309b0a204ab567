package stylize

import (
	"context"
	"math"
	"testing"

	"github.com/vkstyle/vkstyle/graph"
)

type w2Golden struct {
	Shape    []int
	Styles   [][]int
	Weights  []float64
	Features []float32
	Style    [][]float32
	Loss     float64
	Grad     []float64
}

// The Wasserstein-2 term (addW2, with its targets from w2Target: the
// blended moments, the covariance's root on the engine) gives PyTorch's
// loss and gradient for crowsonkb's definition (testdata/make_w2.py)
// within 1e-4 relative, on the CPU reference and the Vulkan engine: two
// blended styles with more positions than channels, a rank-deficient
// covariance (fewer positions than channels), and features of VGG's
// magnitude.
func TestW2MatchesPyTorch(t *testing.T) {
	cases := readGoldens[w2Golden](t, "testdata/w2.json")
	for name, eng := range map[string]Engine{"cpu": NewCPU(), "gpu": gpuEngine(t)} {
		for i, c := range cases {
			var ms []gaussMoments
			for k, s := range c.Styles {
				ms = append(ms, momentsOf(c.Style[k], s[1], nil))
			}
			tg, err := w2Target(eng, blendMoments(ms, c.Weights))
			if err != nil {
				t.Fatal(err)
			}
			g := graph.New()
			ob := &objective{g: g}
			sh := graph.NCHW(c.Shape[0], c.Shape[1], c.Shape[2], c.Shape[3])
			x := g.Variable("features", sh)
			terms, _ := ob.addW2(Layer{"in", 1}, x, objShape{h: sh.H, w: sh.W}, []float64{1}, 1)
			leaves := []leafData{{x, c.Features}}
			for j, t := range ob.targets {
				leaves = append(leaves, leafData{t, tg[j]})
			}
			for _, k := range ob.consts {
				leaves = append(leaves, leafData{k.t, k.data})
			}
			loss, grad := evalTerm(t, eng.Backend(), g, x, terms[0], leaves)
			compareGolden(t, name, i, loss, grad, c.Loss, c.Grad)
		}
	}
}

// A Wasserstein-2 run of two blended styles over two scales lowers its
// loss, starts from the same loss on the CPU reference and the Vulkan
// engine, and a run stopped and resumed ends with the bits of an
// uninterrupted one.
func TestW2Run(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	o := tinyOptions()
	o.StyleLoss, o.StyleBlend, o.Scales, o.Iterations, o.Size = "w2", []float64{7, 3}, 2, 6, 32
	base := Request{Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32), SampleStyle(24, 40)}, Options: o}
	run := func(eng Engine) ([]float64, *Image) {
		var losses []float64
		r := base
		r.Progress = func(p Progress) error { losses = append(losses, p.Loss); return nil }
		im, err := Run(context.Background(), eng, m, r)
		if err != nil {
			t.Fatal(err)
		}
		return losses, im
	}
	cpu, whole := run(NewCPU())
	gpu, _ := run(gpuEngine(t))
	t.Logf("losses: CPU %v, Vulkan %v", cpu, gpu)
	if d := math.Abs(cpu[0]-gpu[0]) / cpu[0]; d > 1e-4 {
		t.Errorf("first loss %v on the CPU, %v on Vulkan (%.2g relative)", cpu[0], gpu[0], d)
	}
	if cpu[5] >= cpu[0] {
		t.Errorf("scale 1's loss went from %v to %v", cpu[0], cpu[5])
	}
	r := stopAt(t, m, base, 3)
	cp, err := LoadCheckpoint(r.CheckpointPath)
	if err != nil {
		t.Fatal(err)
	}
	r.Resume = cp
	resumed, err := Run(context.Background(), NewCPU(), m, r)
	if err != nil {
		t.Fatal(err)
	}
	for i := range whole.Pix {
		if whole.Pix[i] != resumed.Pix[i] {
			t.Fatalf("sample %d: %v resumed, %v uninterrupted", i, resumed.Pix[i], whole.Pix[i])
		}
	}
}
