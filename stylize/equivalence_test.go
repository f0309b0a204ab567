package stylize

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/vkstyle/vkstyle/vgg"
	"github.com/vkstyle/vkstyle/vgg/vggtest"
)

// tiny19 loads the tiny VGG19 fixture (every layer's channels / 16) that
// vgg/testdata/make_fixtures.py wrote with PyTorch.
func tiny19(t *testing.T) *NetModel {
	t.Helper()
	n, err := vgg.Load(vggtest.Testdata("tiny19.pth"), vggtest.Tiny19, nil)
	if err != nil {
		t.Fatal(err)
	}
	return FromNet("tiny19", n)
}

// TestEquivalenceWithPyTorch runs the configuration of
// testdata/make_equivalence.py — neural-style's objective and defaults on
// the tiny VGG19 at 64×48, 20 iterations of L-BFGS and of Adam — and
// compares the loss of every evaluation with PyTorch's within 1e-4
// relative (they agree to about 1e-5), on the CPU reference and on the Vulkan engine. This is what
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
				worst := 0.0
				for i := range ref {
					rel := math.Abs(got[i]-ref[i]) / math.Abs(ref[i])
					if rel > 1e-4 {
						t.Errorf("evaluation %d: loss %.7g, PyTorch %.7g (relative %.2g)", i, got[i], ref[i], rel)
					}
					worst = max(worst, rel)
				}
				t.Logf("largest relative difference from PyTorch: %.2g", worst)
			})
		}
	}
}
