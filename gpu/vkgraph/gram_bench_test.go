package vkgraph_test

import (
	"testing"

	"github.com/vkstyle/vkstyle/gpu/vkgraph"
	"github.com/vkstyle/vkstyle/graph"
)

// vggGrams are the style layers of VGG19 at a 64×64 input.
var vggGrams = []struct {
	name string
	s    graph.Shape
}{
	{"relu1_1", graph.NCHW(1, 64, 64, 64)},
	{"relu2_1", graph.NCHW(1, 128, 32, 32)},
	{"relu3_1", graph.NCHW(1, 256, 16, 16)},
	{"relu4_1", graph.NCHW(1, 512, 8, 8)},
	{"relu5_1", graph.NCHW(1, 512, 4, 4)},
}

// BenchmarkGramForward measures GramForward at VGG19's style layers for a
// 64×64 input: b.N calls are recorded into the stream and one Sync runs
// them. GFLOP/s counts 2·C²·H·W per Gram matrix, though the kernel computes
// only the upper triangle.
func BenchmarkGramForward(b *testing.B) {
	for _, c := range vggGrams {
		for _, k := range benchFamilies {
			b.Run(c.name+"/"+k.String(), func(b *testing.B) {
				benchGram(b, k, c.s, func(be graph.Backend, x, g, dx graph.Buffer) { be.GramForward(x, g, c.s) })
			})
		}
	}
}

// BenchmarkGramBackward measures GramBackward likewise; GFLOP/s counts
// 2·C²·H·W per call.
func BenchmarkGramBackward(b *testing.B) {
	for _, c := range vggGrams {
		for _, k := range benchFamilies {
			b.Run(c.name+"/"+k.String(), func(b *testing.B) {
				benchGram(b, k, c.s, func(be graph.Backend, x, g, dx graph.Buffer) { be.GramBackward(x, g, dx, c.s) })
			})
		}
	}
}

// benchGram times b.N calls of op on random features of shape s, a Gram
// matrix (or its gradient) g and a gradient dx, recorded once and run by
// one Sync, as in a forward and backward pass: not as benchKernel's b.N
// submissions of one call, whose wait per submission would weigh on the
// small layers.
func benchGram(b *testing.B, k vkgraph.Family, s graph.Shape, op func(be graph.Backend, x, g, dx graph.Buffer)) {
	be, bufs := benchBackend(b, k, s.Len(), s.N*s.C*s.C, s.Len())
	op(be, bufs[0], bufs[1], bufs[2]) // builds the pipelines
	if err := be.Flush(); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		op(be, bufs[0], bufs[1], bufs[2])
	}
	b.ResetTimer()
	if err := be.Flush(); err != nil {
		b.Fatal(err)
	}
	flops := 2 * float64(s.N*s.C*s.C*s.H*s.W)
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
