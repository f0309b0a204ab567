package stylize

import (
	"fmt"
	"math/rand/v2"

	"github.com/vkstyle/vkstyle/graph"
)

// tinyModel is a two-block conv net with fixed random weights, standing in
// for VGG in the loop's tests: conv1_1 relu1_1 pool1 conv2_1 relu2_1.
type tinyModel struct {
	w1, b1, w2, b2 []float32
	c1, c2         int
	bufs           map[graph.Backend][]graph.Buffer
}

func newTinyModel() *tinyModel {
	r := rand.New(rand.NewPCG(7, 7))
	m := &tinyModel{c1: 8, c2: 12, bufs: map[graph.Backend][]graph.Buffer{}}
	randn := func(n int, s float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64() * s)
		}
		return v
	}
	m.w1, m.b1 = randn(m.c1*3*9, 0.3), randn(m.c1, 0.1)
	m.w2, m.b2 = randn(m.c2*m.c1*9, 0.15), randn(m.c2, 0.1)
	return m
}

func (m *tinyModel) Name() string        { return "tiny" }
func (m *tinyModel) InputScale() float64 { return 1 }
func (m *tinyModel) Layers() []string {
	return []string{"conv1_1", "relu1_1", "pool1", "conv2_1", "relu2_1"}
}

// MinSide is 2 when a layer past pool1 is needed, else 1.
func (m *tinyModel) MinSide(layers []string) int {
	for _, l := range layers {
		if l == "pool1" || l == "conv2_1" || l == "relu2_1" {
			return 2
		}
	}
	return 1
}

// Geometry: conv1_1 (radius 1), pool1 (radius 2, stride 2), conv2_1
// (radius 4).
func (m *tinyModel) Geometry(layers []string) (stride, radius int) {
	stride, radius = 1, 1
	for _, l := range layers {
		switch l {
		case "pool1":
			stride, radius = 2, max(radius, 2)
		case "conv2_1", "relu2_1":
			stride, radius = 2, 4
		}
	}
	return stride, radius
}

func (m *tinyModel) Preprocess(im *Image) []float32 {
	out := make([]float32, len(im.Pix))
	for i, v := range im.Pix {
		out[i] = v - 0.5
	}
	return out
}
func (m *tinyModel) Deprocess(x []float32, w, h int) *Image {
	im := NewImage(w, h)
	for i, v := range x {
		im.Pix[i] = v + 0.5
	}
	return im
}

func (m *tinyModel) Features(g *graph.Graph, b graph.Backend, x *graph.Tensor, layers []string) (map[string]*graph.Tensor, error) {
	bufs, ok := m.bufs[b]
	if !ok {
		for i, d := range [][]float32{m.w1, m.b1, m.w2, m.b2} {
			buf, err := b.Alloc(len(d), fmt.Sprint("tiny w", i))
			if err != nil {
				return nil, err
			}
			if err := b.Upload(buf, d); err != nil {
				return nil, err
			}
			bufs = append(bufs, buf)
		}
		m.bufs[b] = bufs
	}
	leaf := func(name string, s graph.Shape, buf graph.Buffer) *graph.Tensor {
		t := g.Constant(name, s)
		t.Bind(buf)
		return t
	}
	w1 := leaf("w1", graph.NCHW(m.c1, 3, 3, 3), bufs[0])
	b1 := leaf("b1", graph.NCHW(1, m.c1, 1, 1), bufs[1])
	w2 := leaf("w2", graph.NCHW(m.c2, m.c1, 3, 3), bufs[2])
	b2 := leaf("b2", graph.NCHW(1, m.c2, 1, 1), bufs[3])
	out := map[string]*graph.Tensor{}
	out["conv1_1"] = g.Conv2D(x, w1, b1, graph.ConvOpts{Pad: 1})
	out["relu1_1"] = g.ReLU(out["conv1_1"])
	out["pool1"] = g.MaxPool2x2(out["relu1_1"])
	out["conv2_1"] = g.Conv2D(out["pool1"], w2, b2, graph.ConvOpts{Pad: 1})
	out["relu2_1"] = g.ReLU(out["conv2_1"])
	res := map[string]*graph.Tensor{}
	for _, l := range layers {
		t, ok := out[l]
		if !ok {
			return nil, fmt.Errorf("tiny: no layer %q", l)
		}
		res[l] = t
	}
	return res, nil
}

func (m *tinyModel) free() {
	for b, bufs := range m.bufs {
		for _, buf := range bufs {
			b.Free(buf)
		}
	}
}
