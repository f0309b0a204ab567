package vkgraph_test

import (
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/gputest"
	"github.com/vkstyle/vkstyle/gpu/vkgraph"
	"github.com/vkstyle/vkstyle/vgg/vggtest"
)

func vggBackend(t *testing.T) *vkgraph.Backend {
	dev := gputest.Open(t, gpu.Options{})
	b, err := vkgraph.New(dev, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// The tiny VGG19 fixture's features, Grams, losses and input gradient on
// the device match PyTorch's goldens.
func TestVGGGoldens(t *testing.T) { vggtest.Goldens(t, vggBackend(t)) }

// Full-size VGG19 (random weights) at 32×32 runs forward and backward on
// the device, its gradient checked by vggtest.
func TestFullVGG19(t *testing.T) { vggtest.FullVGG19(t, vggBackend(t), 32) }

// The same with the shared-memory kernels, and full-size VGG19 with them:
// the channel counts of the real network cross their 64×64 tiles.
func TestVGGGoldensShared(t *testing.T) {
	vggtest.Goldens(t, newBackendKernels(t, gpu.Options{}, vkgraph.FamilyShared))
}

func TestFullVGG19Shared(t *testing.T) {
	vggtest.FullVGG19(t, newBackendKernels(t, gpu.Options{}, vkgraph.FamilyShared), 32)
}
