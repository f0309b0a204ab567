package gpu

import (
	"testing"

	"github.com/vkstyle/vkstyle/shaders"
)

// TestVectorOpsEmbedded checks, without a device, that every vector kernel
// Batch records is embedded.
func TestVectorOpsEmbedded(t *testing.T) {
	for _, op := range vectorOps {
		if _, err := shaders.Code(string(op)); err != nil {
			t.Errorf("vector kernel %q: %v", op, err)
		}
	}
	for op := range reduceOps {
		found := false
		for _, o := range vectorOps {
			found = found || o == op
		}
		if !found {
			t.Errorf("reduction %q is not in vectorOps", op)
		}
	}
}
