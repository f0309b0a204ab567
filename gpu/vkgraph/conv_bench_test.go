package vkgraph_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/vkgraph"
	"github.com/vkstyle/vkstyle/graph"
)

// vggConvs are VGG19 layers at a 64×64 input (3×3, stride 1, pad 1).
var vggConvs = []struct {
	name      string
	cin, cout int
	side      int
}{
	{"conv1_2", 64, 64, 64},
	{"conv2_2", 128, 128, 32},
	{"conv3_1", 128, 256, 16},
	{"conv3_2", 256, 256, 16},
	{"conv4_2", 512, 512, 8},
	{"conv5_1", 512, 512, 4},
}

// benchFamilies are the kernel families every benchmark runs, as its last
// name element: the texel kernels are lavapipe's, the shared-memory ones a
// GPU's (vkgraph.Family).
var benchFamilies = []vkgraph.Family{vkgraph.FamilyTexel, vkgraph.FamilyShared}

// benchBackend opens a backend of kernel family k for a benchmark, closed
// when it ends, with a buffer of random values for each of sizes.
func benchBackend(b *testing.B, k vkgraph.Family, sizes ...int) (*vkgraph.Backend, []graph.Buffer) {
	be := newBackendKernels(b, gpu.Options{}, k)
	r := rand.New(rand.NewPCG(1, 2))
	var bufs []graph.Buffer
	for _, n := range sizes {
		buf, err := be.Alloc(n, "bench")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { be.Free(buf) })
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		if err := be.Upload(buf, v); err != nil {
			b.Fatal(err)
		}
		bufs = append(bufs, buf)
	}
	return be, bufs
}

// benchKernel records one kernel call into the backend's batch, then times
// b.N resubmissions of that recording, reporting GFLOP/s for flops per call.
func benchKernel(b *testing.B, k vkgraph.Family, flops float64, record func(be *vkgraph.Backend, bufs []graph.Buffer), sizes ...int) {
	be, bufs := benchBackend(b, k, sizes...)
	if err := be.Flush(); err != nil {
		b.Fatal(err)
	}
	record(be, bufs)
	batch := be.Stream().Batch()
	if err := batch.Submit(); err != nil { // warm-up, builds nothing new
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := batch.Submit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if err := be.Flush(); err != nil {
		b.Fatal(err)
	}
}

func convParams(cin, cout, side int) graph.Conv2DParams {
	return graph.Conv2DParams{N: 1, CIn: cin, H: side, W: side, COut: cout, KH: 3, KW: 3, Stride: 1, Pad: 1}
}

// BenchmarkConv measures forward, backward-data and backward-weight
// convolutions at VGG19 shapes; GFLOP/s counts 2·MACs.
func BenchmarkConv(b *testing.B) {
	for _, c := range vggConvs {
		p := convParams(c.cin, c.cout, c.side)
		flops := 2 * float64(c.cout*c.side*c.side*c.cin*9)
		xn, wn, yn := p.XShape().Len(), p.WShape().Len(), p.YShape().Len()
		for _, k := range benchFamilies {
			b.Run(fmt.Sprintf("%s/forward/%v", c.name, k), func(b *testing.B) {
				benchKernel(b, k, flops, func(be *vkgraph.Backend, x []graph.Buffer) {
					be.Conv2DForward(x[0], x[1], x[2], x[3], p)
				}, xn, wn, c.cout, yn)
			})
			b.Run(fmt.Sprintf("%s/backward-data/%v", c.name, k), func(b *testing.B) {
				benchKernel(b, k, flops, func(be *vkgraph.Backend, x []graph.Buffer) {
					be.Conv2DBackwardData(x[0], x[1], x[2], p)
				}, yn, wn, xn)
			})
			b.Run(fmt.Sprintf("%s/backward-weight/%v", c.name, k), func(b *testing.B) {
				benchKernel(b, k, flops, func(be *vkgraph.Backend, x []graph.Buffer) {
					be.Conv2DBackwardWeight(x[0], x[1], x[2], p)
				}, xn, yn, wn)
			})
		}
	}
}
