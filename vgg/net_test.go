package vgg_test

import (
	"testing"

	"github.com/vkstyle/vkstyle/graph/cpu"
	"github.com/vkstyle/vkstyle/vgg/vggtest"
)

func TestGoldensCPU(t *testing.T) {
	b := cpu.New()
	t.Cleanup(func() { // runs after vggtest's cleanups
		if n := b.Live(); n != 0 {
			t.Errorf("%d buffers leaked", n)
		}
	})
	vggtest.Goldens(t, b)
}

func TestFullVGG19CPU(t *testing.T) {
	if testing.Short() {
		t.Skip("full VGG19 on the CPU reference takes seconds")
	}
	vggtest.FullVGG19(t, cpu.New(), 32)
}
