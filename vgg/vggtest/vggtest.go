// Package vggtest checks package vgg's networks on a graph.Backend: tiny
// VGG19 (testdata/tiny19.pth) against PyTorch's results
// (vgg/testdata/goldens.bin, both written by vgg/testdata/make_fixtures.py), and full-size VGG19 with random weights
// through a forward and backward pass. A device backend's tests call
//
//	func TestVGGGoldens(t *testing.T) { vggtest.Goldens(t, newBackend(t)) }
//	func TestVGG19(t *testing.T)      { vggtest.FullVGG19(t, newBackend(t), 32) }
package vggtest

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/graphtest"
	"github.com/vkstyle/vkstyle/vgg"
	"github.com/vkstyle/vkstyle/vgg/internal/tinyvgg"
)

// Tiny19 is VGG19's layer table with every layer's channels divided by
// 16 (4, 4, 8, 8, 16×4, 32×4, 32×4), the architecture of the fixtures.
var Tiny19 = func() *vgg.Arch {
	a, err := vgg.NewVGG("tiny19", tinyvgg.Config())
	if err != nil {
		panic(err)
	}
	return a
}()

// Named tolerances against PyTorch's float64 results, for float32
// backends (the reference accumulates in float64 per op and rounds each
// layer's output to float32).
var (
	// TolPreprocess is for the input conventions: one multiply-add.
	TolPreprocess = graphtest.Tol{Abs: 1e-7, Rel: 1e-6}
	// TolFeatures is for layer outputs, Grams and losses after up to 13
	// convolutions.
	TolFeatures = graphtest.Tol{Abs: 1e-5, Rel: 1e-4}
	// TolGrad is for the input gradient, back through the whole stack.
	TolGrad = graphtest.Tol{Abs: 1e-4, Rel: 1e-3}
)

// Testdata returns the path of testdata/name, the fixtures several
// packages share (the tiny VGG19 weights tiny19.pth and
// tiny19.safetensors), in the source tree this package was built from.
func Testdata(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", name)
}

// LoadGoldens reads vgg/testdata/goldens.bin.
func LoadGoldens(t testing.TB) map[string]graphtest.Golden {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	g, err := graphtest.ReadGoldensFile(filepath.Join(filepath.Dir(file), "..", "testdata", "goldens.bin"))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// upload allocates a buffer on b holding data and frees it at the end of
// the test.
func upload(t testing.TB, b graph.Backend, name string, data []float32) graph.Buffer {
	t.Helper()
	buf, err := b.Alloc(len(data), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Free(buf) })
	if err := b.Upload(buf, data); err != nil {
		t.Fatal(err)
	}
	return buf
}

func download(t testing.TB, b graph.Backend, buf graph.Buffer) []float32 {
	t.Helper()
	out := make([]float32, buf.Len())
	if err := b.Download(buf, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Goldens loads tiny VGG19 from testdata/tiny19.pth, runs it on b at
// 32×32 with max pooling (every ReLU and pooling output up to relu5_1, a
// Gram of relu1_1, a content and a style loss and the input gradient)
// with average pooling (relu3_1, pool3, relu5_1) and with L2 pooling (the
// same, and the input gradient of mean(relu5_1²)), and compares with
// PyTorch's results, as well as both input conventions.
func Goldens(t *testing.T, b graph.Backend) {
	gold := LoadGoldens(t)
	get := func(name string) []float32 {
		g, ok := gold[name]
		if !ok {
			t.Fatalf("goldens: no tensor %s", name)
		}
		return g.Data
	}
	x := get("x")
	pre := make([]float32, len(x))
	vgg.Torchvision.Preprocess(pre, x)
	graphtest.Compare(t, "pre_torchvision", pre, get("pre_torchvision"), TolPreprocess)
	caffe := make([]float32, len(x))
	vgg.Caffe.Preprocess(caffe, x)
	graphtest.Compare(t, "pre_caffe", caffe, get("pre_caffe"), TolPreprocess)

	var names []string
	for _, l := range Tiny19.Layers {
		if l.Kind != vgg.Conv {
			names = append(names, l.Name)
		}
		if l.Name == "relu5_1" {
			break
		}
	}
	net, err := vgg.Load(Testdata("tiny19.pth"), Tiny19, names)
	if err != nil {
		t.Fatal(err)
	}
	if err := net.Upload(b); err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	input := upload(t, b, "x", pre)

	t.Run("max", func(t *testing.T) {
		g := graph.New()
		xt := g.Variable("x", graph.NCHW(1, 3, 32, 32))
		xt.Bind(input)
		feats, err := net.Features(g, xt, names)
		if err != nil {
			t.Fatal(err)
		}
		ct := g.Constant("content_target", feats["relu4_2"].Shape())
		ct.Bind(upload(t, b, "content_target", get("content_target")))
		gt := g.Constant("gram_target", graph.NCHW(1, 1, 4, 4))
		gt.Bind(upload(t, b, "gram_target", get("gram_target")))
		gram := g.Gram(feats["relu1_1"])
		terms := []*graph.Tensor{g.MSE(feats["relu4_2"], ct), g.MSE(gram, gt)}
		w := get("weights")
		loss := g.WeightedSum(terms, w)
		for _, f := range feats {
			g.Keep(f)
		}
		g.Keep(gram, terms[0], terms[1])
		g.Backward(loss)
		prog, err := g.Compile(b)
		if err != nil {
			t.Fatal(err)
		}
		defer prog.Close()
		prog.Run()
		for _, name := range names {
			graphtest.Compare(t, name, download(t, b, feats[name].Buffer()), get("max/"+name), TolFeatures)
		}
		graphtest.Compare(t, "gram_relu1_1", download(t, b, gram.Buffer()), get("gram_relu1_1"), TolFeatures)
		got := append(download(t, b, terms[0].Buffer()), download(t, b, terms[1].Buffer())...)
		graphtest.Compare(t, "terms", got, get("terms"), TolFeatures)
		graphtest.Compare(t, "loss", download(t, b, loss.Buffer()), get("loss"), TolFeatures)
		graphtest.Compare(t, "grad_x", download(t, b, xt.Grad()), get("grad_x"), TolGrad)
	})
	// Average and L2 pooling: three layers, and with L2 pooling the input
	// gradient of mean(relu5_1²).
	for _, c := range []struct {
		pool vgg.Pooling
		grad bool
	}{{vgg.AvgPool, false}, {vgg.L2Pool, true}} {
		t.Run(c.pool.String(), func(t *testing.T) {
			net.Pooling = c.pool
			defer func() { net.Pooling = vgg.MaxPool }()
			g := graph.New()
			xt := g.Constant("x", graph.NCHW(1, 3, 32, 32))
			if c.grad {
				xt = g.Variable("x", graph.NCHW(1, 3, 32, 32))
			}
			xt.Bind(input)
			want := []string{"relu3_1", "pool3", "relu5_1"}
			feats, err := net.Features(g, xt, want)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range feats {
				g.Keep(f)
			}
			if c.grad {
				zero := g.Constant("zero", feats["relu5_1"].Shape())
				zero.Bind(upload(t, b, "zero", make([]float32, feats["relu5_1"].Shape().Len())))
				g.Backward(g.MSE(feats["relu5_1"], zero))
			}
			prog, err := g.Compile(b)
			if err != nil {
				t.Fatal(err)
			}
			defer prog.Close()
			prog.Run()
			for _, name := range want {
				key := c.pool.String() + "/" + name
				graphtest.Compare(t, key, download(t, b, feats[name].Buffer()), get(key), TolFeatures)
			}
			if c.grad {
				graphtest.Compare(t, "l2/grad_x", download(t, b, xt.Grad()), get("l2/grad_x"), TolGrad)
			}
		})
	}
}

// FullVGG19 builds full-size VGG19 with random weights (vgg.Randomized,
// seed 1) on b for a side×side input and runs one forward and backward
// pass through every layer to pool5: a loss of 5·MSE(relu4_2, 0) plus
// 100·Σ MSE(Gram(reluN_1), 0) over the five style layers plus
// MSE(pool5, 0). It checks that the loss and the input gradient are
// finite and not zero, and that the gradient matches a central finite
// difference of the loss along a random direction to 2 %. side must be
// at least 32 (pool5 needs 2×2 at pool4).
func FullVGG19(t *testing.T, b graph.Backend, side int) {
	net := vgg.Randomized(vgg.VGG19, 1)
	if err := net.Upload(b); err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	rng := rand.New(rand.NewPCG(2, 3))
	x := make([]float32, 3*side*side)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	style := []string{"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"}
	layers := append([]string{"relu4_2", "pool5"}, style...)

	g := graph.New()
	xt := g.Variable("x", graph.NCHW(1, 3, side, side))
	xbuf := upload(t, b, "x", x)
	xt.Bind(xbuf)
	feats, err := net.Features(g, xt, layers)
	if err != nil {
		t.Fatal(err)
	}
	zero := func(name string, s graph.Shape) *graph.Tensor {
		c := g.Constant(name, s)
		c.Bind(upload(t, b, name, make([]float32, s.Len())))
		return c
	}
	terms := []*graph.Tensor{
		g.MSE(feats["relu4_2"], zero("content", feats["relu4_2"].Shape())),
		g.MSE(feats["pool5"], zero("pool5_target", feats["pool5"].Shape())),
	}
	weights := []float32{5, 1}
	for _, name := range style {
		gram := g.Gram(feats[name])
		terms = append(terms, g.MSE(gram, zero(name+"_gram", gram.Shape())))
		weights = append(weights, 100)
	}
	loss := g.WeightedSum(terms, weights)
	g.Backward(loss)
	prog, err := g.Compile(b)
	if err != nil {
		t.Fatal(err)
	}
	defer prog.Close()
	t.Logf("VGG19 %d×%d, weights %s: %v", side, side, graph.FormatBytes(net.Bytes()), prog.Plan())
	prog.Run()
	l0 := download(t, b, loss.Buffer())[0]
	grad := download(t, b, xt.Grad())
	var norm float64
	for _, v := range grad {
		norm += float64(v) * float64(v)
	}
	if !(l0 > 0) || math.IsInf(float64(l0), 0) || !(norm > 0) || math.IsInf(norm, 0) {
		t.Fatalf("loss %v, |grad|² %v: want both finite and positive", l0, norm)
	}

	// Directional derivative: (L(x+εd) − L(x−εd)) / 2ε ≈ ⟨∇L, d⟩, with d
	// the gradient's direction, so the slope is |∇L|.
	d := make([]float32, len(x))
	for i, v := range grad {
		d[i] = float32(float64(v) / math.Sqrt(norm))
	}
	eps := 1e-2
	at := func(s float64) float64 {
		xs := make([]float32, len(x))
		for i := range x {
			xs[i] = float32(float64(x[i]) + s*float64(d[i]))
		}
		if err := b.Upload(xbuf, xs); err != nil {
			t.Fatal(err)
		}
		prog.Forward()
		return float64(download(t, b, loss.Buffer())[0])
	}
	fd := (at(eps) - at(-eps)) / (2 * eps)
	if rel := math.Abs(fd-math.Sqrt(norm)) / math.Sqrt(norm); rel > 0.02 {
		t.Errorf("finite difference along the gradient %.6g, |∇L| %.6g: relative error %.3g > 0.02", fd, math.Sqrt(norm), rel)
	}
	t.Logf("loss %.6g, |∇L| %.6g, finite difference %.6g", l0, math.Sqrt(norm), fd)
}
