package stylize

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/vkstyle/vkstyle/graph"
)

// identityModel's only layer, "in", is its input: the sliced loss's
// goldens feed features in directly.
type identityModel struct{ *tinyModel }

func (identityModel) Layers() []string { return []string{"in"} }
func (identityModel) Features(g *graph.Graph, b graph.Backend, x *graph.Tensor, layers []string) (map[string]*graph.Tensor, error) {
	return map[string]*graph.Tensor{"in": x}, nil
}

type slicedGolden struct {
	Shape                       []int
	StyleShape                  []int `json:"style_shape"`
	Features, Style, Directions []float32
	Loss                        float64
	Grad                        []float64
}

// The sliced Wasserstein terms (addSliced: projection, sort, stretch,
// MSE) give PyTorch's loss and gradient (testdata/make_sliced.py) within
// 1e-4 relative, on the CPU reference and the Vulkan engine, for a style
// with fewer positions than the image, as many, and more.
func TestSlicedMatchesPyTorch(t *testing.T) {
	cases := readGoldens[slicedGolden](t, "testdata/sliced.json")
	for name, eng := range map[string]Engine{"cpu": NewCPU(), "gpu": gpuEngine(t)} {
		for i, c := range cases {
			b := eng.Backend()
			g := graph.New()
			ob := &objective{g: g}
			sh := graph.NCHW(c.Shape[0], c.Shape[1], c.Shape[2], c.Shape[3])
			x := g.Variable("features", sh)
			terms, _, err := ob.addSliced(identityModel{}, b, 0, Layer{"in", 1}, x,
				objShape{h: c.Shape[2], w: c.Shape[3], styles: [][2]int{{c.StyleShape[2], c.StyleShape[3]}}}, []float64{1}, 1)
			if err != nil {
				t.Fatal(err)
			}
			binds := []leafData{{x, c.Features}, {ob.targets[0], c.Style}, {ob.dirs[0].t, c.Directions}}
			for _, q := range ob.quantiles {
				binds = append(binds, leafData{q.t, quantiles(q.m, q.n)})
			}
			loss, grad := evalTerm(t, b, g, x, terms[0], binds)
			compareGolden(t, name, i, loss, grad, c.Loss, c.Grad)
		}
	}
}

// readGoldens reads a JSON array of golden cases from path.
func readGoldens[T any](t *testing.T, path string) []T {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []T
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cases
}

// leafData is a leaf of a test graph and the data to bind it to.
type leafData struct {
	t    *graph.Tensor
	data []float32
}

// evalTerm binds the leaves, runs the graph of the loss term (whose
// input is the variable x) forward and backward, and returns the loss and
// x's gradient.
func evalTerm(t *testing.T, b graph.Backend, g *graph.Graph, x, term *graph.Tensor, leaves []leafData) (float64, []float32) {
	t.Helper()
	g.Keep(term)
	g.Backward(term)
	for _, l := range leaves {
		buf, err := b.Alloc(len(l.data), l.t.Name())
		if err != nil {
			t.Fatal(err)
		}
		defer b.Free(buf)
		if err := b.Upload(buf, l.data); err != nil {
			t.Fatal(err)
		}
		l.t.Bind(buf)
	}
	prog, err := g.Compile(b)
	if err != nil {
		t.Fatal(err)
	}
	defer prog.Close()
	prog.Run()
	loss := make([]float32, 1)
	grad := make([]float32, x.Shape().Len())
	if err := b.Download(term.Buffer(), loss); err != nil {
		t.Fatal(err)
	}
	if err := b.Download(x.Grad(), grad); err != nil {
		t.Fatal(err)
	}
	return float64(loss[0]), grad
}

// compareGolden checks a loss within 1e-4 relative of PyTorch's, and its
// gradient within 1e-4 in relative RMS.
func compareGolden(t *testing.T, name string, i int, loss float64, grad []float32, want float64, wantGrad []float64) {
	t.Helper()
	if d := math.Abs(loss-want) / want; d > 1e-4 {
		t.Errorf("%s case %d: loss %v, PyTorch %v (%.2g relative)", name, i, loss, want, d)
	}
	var num, den float64
	for j, v := range grad {
		num += (float64(v) - wantGrad[j]) * (float64(v) - wantGrad[j])
		den += wantGrad[j] * wantGrad[j]
	}
	if d := math.Sqrt(num / den); d > 1e-4 {
		t.Errorf("%s case %d: gradient differs from PyTorch's by %.2g relative (RMS)", name, i, d)
	} else {
		t.Logf("%s case %d: loss %.2g relative from PyTorch's, gradient %.2g (RMS)", name, i, math.Abs(loss-want)/want, d)
	}
}

// The directions are unit vectors, drawn again for every evaluation and
// the same for the same seed, scale, evaluation and layer.
func TestDirections(t *testing.T) {
	a := directions(3, 0, 1, 2, 16)
	for k := range 16 {
		var ss float64
		for j := range 16 {
			ss += float64(a[k*16+j]) * float64(a[k*16+j])
		}
		if math.Abs(ss-1) > 1e-6 {
			t.Fatalf("direction %d has norm² %v", k, ss)
		}
	}
	same := directions(3, 0, 1, 2, 16)
	next := directions(3, 0, 2, 2, 16)
	other := directions(4, 0, 1, 2, 16)
	for i := range a {
		if a[i] != same[i] {
			t.Fatal("the same seed, scale, evaluation and layer drew other directions")
		}
	}
	if a[0] == next[0] && a[1] == next[1] || a[0] == other[0] && a[1] == other[1] {
		t.Error("another evaluation or seed drew the same directions")
	}
	if q := quantiles(20, 42); q[0] != 0 || q[41] != 19 || q[20] != 9 {
		t.Errorf("quantiles(20, 42) = %v", q)
	}
}

// A run with the sliced Wasserstein loss is deterministic for a seed,
// lowers its loss, and differs for another seed.
func TestSlicedRun(t *testing.T) {
	run := func(seed uint64) ([]float64, *Image) {
		m := newTinyModel()
		defer m.free()
		o := tinyOptions()
		o.StyleLoss, o.Seed, o.Iterations = "sw", seed, 10
		var losses []float64
		r := Request{Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(40, 28)}, Options: o,
			Progress: func(p Progress) error { losses = append(losses, p.Loss); return nil }}
		im, err := Run(context.Background(), NewCPU(), m, r)
		if err != nil {
			t.Fatal(err)
		}
		return losses, im
	}
	a, ia := run(1)
	b, ib := run(1)
	c, _ := run(2)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("iteration %d: loss %v, then %v with the same seed", i+1, a[i], b[i])
		}
	}
	for i := range ia.Pix {
		if ia.Pix[i] != ib.Pix[i] {
			t.Fatal("the same seed gave another image")
		}
	}
	if a[len(a)-1] >= a[0] {
		t.Errorf("loss went from %v to %v", a[0], a[len(a)-1])
	}
	if a[1] == c[1] {
		t.Error("another seed gave the same losses")
	}
	t.Logf("losses %v", a)
}

// A sliced Wasserstein run stopped and resumed ends with the bits of an
// uninterrupted one: the directions come from the evaluation's number.
func TestSlicedResume(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	o := tinyOptions()
	o.StyleLoss, o.Iterations = "sw", 8
	base := Request{Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: o}
	whole, err := Run(context.Background(), NewCPU(), m, base)
	if err != nil {
		t.Fatal(err)
	}
	r := stopAt(t, m, base, 3)
	cp, err := LoadCheckpoint(r.CheckpointPath)
	if err != nil {
		t.Fatal(err)
	}
	r.Resume = cp
	resumed, err := Run(context.Background(), NewCPU(), m, r)
	if err != nil {
		t.Fatal(err)
	}
	for i := range whole.Pix {
		if whole.Pix[i] != resumed.Pix[i] {
			t.Fatalf("sample %d: %v resumed, %v uninterrupted", i, resumed.Pix[i], whole.Pix[i])
		}
	}
}
