package optim_test

import (
	"testing"

	"github.com/vkstyle/vkstyle/optim"
	"github.com/vkstyle/vkstyle/optim/optimtest"
)

// BenchmarkLBFGSVectorWork times the vector work of one L-BFGS iteration
// with a full history of 100 pairs on a 512×512 RGB image (n = 3·512²) in
// Float32Space; see optimtest.BenchLBFGSVectorWork. Filling the history
// first takes several seconds and 630 MB.
func BenchmarkLBFGSVectorWork(b *testing.B) {
	optimtest.BenchLBFGSVectorWork(b, optim.Float32Space{}, 3*512*512, 100)
}
