package fast

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/gputest"
	"github.com/vkstyle/vkstyle/gpu/vkgraph"
	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/stylize"
)

// The benchmarks time the published networks' sizes (TransformerNet
// 32/64/128, AdaIN's VGG19 encoder and decoder) with random weights: the
// time does not depend on the values. bench/fast_compare.sh runs them
// beside the same networks in PyTorch (bench/fast_torch.py).

// randomConv stores a He-initialised convolution and a small bias.
func randomConv(p *params, r *rand.Rand, key string, out, in, k int) {
	w := make([]float32, out*in*k*k)
	sd := math.Sqrt(2 / float64(in*k*k))
	for i := range w {
		w[i] = float32(r.NormFloat64() * sd)
	}
	b := make([]float32, out)
	for i := range b {
		b[i] = float32(r.NormFloat64() * 0.01)
	}
	p.host[key+"weight"], p.shape[key+"weight"] = w, graph.NCHW(out, in, k, k)
	p.host[key+"bias"], p.shape[key+"bias"] = b, graph.NCHW(1, 1, 1, out)
}

// randomTransformer returns a TransformerNet of the published widths.
func randomTransformer(seed uint64) *Transformer {
	r := rand.New(rand.NewPCG(seed, 1))
	m := &Transformer{Widths: [3]int{32, 64, 128}, p: newParams("TransformerNet")}
	width := func(i int) int {
		if i < 0 {
			return 3
		}
		return m.Widths[i]
	}
	for _, c := range transformerConvs {
		randomConv(m.p, r, c.key+".conv2d.", width(c.outWidth), width(c.inWidth), c.k)
		if n := c.norm(); n != "" {
			g, b := make([]float32, width(c.outWidth)), make([]float32, width(c.outWidth))
			for i := range g {
				g[i], b[i] = float32(1+0.1*r.NormFloat64()), float32(0.1*r.NormFloat64())
			}
			m.p.host[n+".weight"], m.p.shape[n+".weight"] = g, graph.NCHW(1, 1, 1, len(g))
			m.p.host[n+".bias"], m.p.shape[n+".bias"] = b, graph.NCHW(1, 1, 1, len(b))
		}
	}
	return m
}

// randomAdaIN returns AdaIN's networks at the published widths.
func randomAdaIN(seed uint64) *AdaIN {
	r := rand.New(rand.NewPCG(seed, 2))
	a := &AdaIN{Widths: [4]int{64, 128, 256, 512}, p: newParams("AdaIN")}
	width := func(i int) int {
		if i < 0 {
			return 3
		}
		return a.Widths[i]
	}
	for _, c := range adainEncoder {
		randomConv(a.p, r, "enc."+c.key+".", width(c.out), width(c.in), c.k)
	}
	for _, c := range adainDecoder {
		randomConv(a.p, r, "dec."+c.key+".", width(c.out), width(c.in), c.k)
	}
	return a
}

func benchBackend(b *testing.B) graph.Backend {
	dev := gputest.Open(b, gpu.Options{})
	vk, err := vkgraph.New(dev, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { vk.Close() })
	return vk
}

// BenchmarkTransformer times one image through TransformerNet: upload,
// forward, download, crop (the program compiled before the timer).
func BenchmarkTransformer(b *testing.B) {
	for _, side := range []int{256, 512} {
		b.Run(fmt.Sprint(side), func(b *testing.B) {
			m := randomTransformer(1)
			if err := m.Upload(benchBackend(b)); err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			content := stylize.SampleContent(side, side)
			if _, err := m.Stylize(content); err != nil { // compiles
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := m.Stylize(content); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/image")
		})
	}
}

// BenchmarkAdaIN times one image through AdaIN as the reference's test.py
// runs it: encode the style and the content, AdaIN, decode (content and
// style of the same size; programs compiled before the timer).
func BenchmarkAdaIN(b *testing.B) {
	for _, side := range []int{256, 512} {
		b.Run(fmt.Sprint(side), func(b *testing.B) {
			a := randomAdaIN(1)
			if err := a.Upload(benchBackend(b)); err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			content, style := stylize.SampleContent(side, side), stylize.SampleStyle(side, side)
			one := func() {
				s, err := a.EncodeStyle(style)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := a.Stylize(content, []*StyleCode{s}, nil, 1); err != nil {
					b.Fatal(err)
				}
			}
			one() // compiles
			b.ResetTimer()
			for range b.N {
				one()
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/image")
		})
	}
}
