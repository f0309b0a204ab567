package graphtest

import (
	"math"

	"github.com/vkstyle/vkstyle/graph"
)

// kinkCase is a kernel case with exact expected outputs.
type kinkCase struct {
	kernelCase
	want [][]float32
}

// kinkCases pin the subgradients chosen at the kinks, which are torch's:
// relu'(0) = 0 (torch's threshold_backward masks where the output is not
// positive), and a max-pool window's gradient goes to its first maximum
// in scan order (0,0), (0,1), (1,0), (1,1) (torch's CPU max_pool2d keeps
// the first of equal values). Expected values are exact.
func kinkCases() []kinkCase {
	relu := kinkCase{kernelCase{"ReLU", TolExact,
		[][]float32{{-1, 0, 2, float32(math.Copysign(0, -1))}, {1, 1, 1, 1}},
		[][]float32{{9, 9, 9, 9}, {0, 0, 0, 0}}, []string{"y", "dx"},
		func(b graph.Backend, in, out []graph.Buffer) {
			b.ReLUForward(in[0], out[0])
			b.ReLUBackward(out[0], in[1], out[1])
		}}, [][]float32{{0, 0, 2, 0}, {0, 0, 1, 0}}}

	// Four 2×2 windows side by side: all equal; two equal maxima at (0,1)
	// and (1,0); three at (0,0), (1,0), (1,1); a single maximum at (1,1).
	s := graph.NCHW(1, 1, 2, 8)
	pool := kinkCase{kernelCase{"MaxPool2x2", TolExact,
		[][]float32{{1, 1, 0, 2, 3, 1, 0, 0, 1, 1, 2, 1, 3, 3, 0, 5}, {1, 2, 3, 4}},
		[][]float32{{9, 9, 9, 9}, make([]float32, 16)}, []string{"y", "dx"},
		func(b graph.Backend, in, out []graph.Buffer) {
			b.MaxPool2x2Forward(in[0], out[0], s)
			b.MaxPool2x2Backward(in[0], in[1], out[1], s)
		}}, [][]float32{{1, 2, 3, 5}, {1, 0, 0, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4}}}
	return []kinkCase{relu, pool}
}
