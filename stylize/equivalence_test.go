package stylize

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/vkstyle/vkstyle/vgg"
)

// tiny19 loads the tiny VGG19 fixture (every layer's channels / 16) that
// vgg/testdata/make_fixtures.py wrote with PyTorch.
func tiny19(t *testing.T) *NetModel {
	t.Helper()
	arch, err := vgg.NewVGG("tiny19", []int{4, 4, 0, 8, 8, 0, 16, 16, 16, 16, 0, 32, 32, 32, 32, 0, 32, 32, 32, 32, 0})
	if err != nil {
		t.Fatal(err)
	}
	n, err := vgg.Load("../vgg/testdata/tiny19.pth", arch, nil)
	if err != nil {
		t.Fatal(err)
	}
	return FromNet("tiny19", n)
}

// TestEquivalenceWithPyTorch runs the configuration of
// testdata/make_equivalence.py — neural-style's objective and defaults on
// the tiny VGG19 at 64×48, 20 iterations of L-BFGS and of Adam — and
// compares the loss of every evaluation with PyTorch's within 1e-3
// relative, on the CPU reference and on the Vulkan engine. This is what
// says that with real VGG19 weights vkstyle computes what neural-style
// computes.
func TestEquivalenceWithPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/equivalence.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string][]float64
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	content, err := Load("testdata/eq_content.png")
	if err != nil {
		t.Fatal(err)
	}
	style, err := Load("testdata/eq_style.png")
	if err != nil {
		t.Fatal(err)
	}
	engines := map[string]func(t *testing.T) Engine{
		"cpu": func(*testing.T) Engine { return NewCPU() },
		"gpu": func(t *testing.T) Engine { return gpuEngine(t) },
	}
	for ename, mk := range engines {
		for _, opt := range []string{"lbfgs", "adam"} {
			t.Run(ename+"/"+opt, func(t *testing.T) {
				eng := mk(t)
				m := tiny19(t)
				defer m.Close()
				o := Options{Size: 64, Iterations: 20, Init: "content", Optimizer: opt, LearningRate: 1}
				if opt == "adam" {
					o.LearningRate = 0.05 * 255 / m.InputScale() // the script's 0.05 in input units
				}
				// Record every evaluation's loss, as the script does, by
				// wrapping the engine's backend download of the loss.
				var got []float64
				r := Request{Content: content, Styles: []*Image{style}, Options: o}
				r.evalHook = func(loss float64) { got = append(got, loss) }
				if _, err := Run(context.Background(), eng, m, r); err != nil {
					t.Fatal(err)
				}
				ref := want[opt]
				if len(got) != len(ref) {
					t.Fatalf("%d evaluations, PyTorch made %d", len(got), len(ref))
				}
				for i := range ref {
					if rel := math.Abs(got[i]-ref[i]) / math.Abs(ref[i]); rel > 1e-3 {
						t.Errorf("evaluation %d: loss %.7g, PyTorch %.7g (relative %.2g)", i, got[i], ref[i], rel)
					}
				}
			})
		}
	}
}
