package graphtest

import (
	"math"
	"testing"

	"github.com/vkstyle/vkstyle/graph"
)

// netData holds the leaf values of the test network, by leaf name.
type netData map[string][]float32

// newNetData returns deterministic leaf values for buildNet.
func newNetData() netData {
	g := newGen(7)
	return netData{
		"x":  g.randn(3 * 20 * 18),
		"w1": g.normal(4*3*9, 1/math.Sqrt(27)), "b1": g.normal(4, 0.1),
		"w2": g.normal(6*4*9, 1/math.Sqrt(36)), "b2": g.normal(6, 0.1),
		"gram":    g.normal(16, 0.1),
		"content": g.normal(24, 0.5),
		"std":     g.normal(6, 0.5),
		"resized": g.randn(3 * 13 * 11),
	}
}

// buildNet builds a small style-transfer-shaped graph that uses every op:
// a frozen reflect-padded conv, ReLU, max pool, a trainable stride-2 conv,
// ReLU, average pool, a Gram style loss on relu1 (which also feeds the
// next layer, so its gradients add up), a content loss, a std loss (the
// mean output unused, so its gradient is zero), a resize loss and TV.
func buildNet() (g *graph.Graph, loss *graph.Tensor, kept, vars []*graph.Tensor) {
	g = graph.New()
	x := g.Variable("x", graph.NCHW(1, 3, 20, 18))
	w1, b1 := g.Constant("w1", graph.NCHW(4, 3, 3, 3)), g.Constant("b1", graph.NCHW(1, 4, 1, 1))
	w2, b2 := g.Variable("w2", graph.NCHW(6, 4, 3, 3)), g.Variable("b2", graph.NCHW(1, 6, 1, 1))
	gram := g.Constant("gram", graph.NCHW(1, 1, 4, 4))
	content := g.Constant("content", graph.NCHW(1, 6, 2, 2))
	stdT := g.Constant("std", graph.NCHW(1, 6, 1, 1))
	resized := g.Constant("resized", graph.NCHW(1, 3, 13, 11))

	c1 := g.Conv2D(x, w1, b1, graph.ConvOpts{Pad: 1, Reflect: true}).SetName("conv1")
	r1 := g.ReLU(c1).SetName("relu1")
	p1 := g.MaxPool2x2(r1).SetName("pool1")
	c2 := g.Conv2D(p1, w2, b2, graph.ConvOpts{Stride: 2, Pad: 1}).SetName("conv2")
	r2 := g.ReLU(c2).SetName("relu2")
	a2 := g.AvgPool2x2(r2).SetName("pool2")
	mean, std := g.ChannelMeanStd(r2, 1e-5)
	rs := g.Resize(x, 13, 11).SetName("resize")
	loss = g.WeightedSum([]*graph.Tensor{
		g.MSE(a2, content), g.MSE(g.Gram(r1), gram), g.MSE(std, stdT), g.MSE(rs, resized), g.TV(x),
	}, []float32{5, 100, 1, 0.5, 1e-3}).SetName("loss")
	kept = []*graph.Tensor{c1, r1, p1, c2, r2, a2, mean.SetName("mean"), std.SetName("std2"), rs}
	g.Keep(kept...)
	g.Backward(loss)
	return g, loss, kept, []*graph.Tensor{x, w2, b2}
}

// runNet builds the network on b, runs it with poison off and on, and
// returns both runs' loss, kept tensors and gradients by name.
func runNet(t *testing.T, b graph.Backend, data netData) [2]map[string][]float32 {
	t.Helper()
	g, loss, kept, vars := buildNet()
	var leaves []graph.Buffer
	defer func() {
		for _, buf := range leaves {
			b.Free(buf)
		}
	}()
	for name, vals := range data {
		buf, err := b.Alloc(len(vals), name)
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, buf)
		if err := b.Upload(buf, vals); err != nil {
			t.Fatal(err)
		}
		leafByName(g, name).Bind(buf)
	}
	prog, err := g.Compile(b)
	if err != nil {
		t.Fatal(err)
	}
	defer prog.Close()
	var res [2]map[string][]float32
	for i := range res {
		prog.Poison = i == 1
		prog.Run()
		res[i] = map[string][]float32{}
		read := func(name string, buf graph.Buffer) {
			v := make([]float32, buf.Len())
			if err := b.Download(buf, v); err != nil {
				t.Fatalf("Download %s: %v", name, err)
			}
			res[i][name] = v
		}
		read("loss", loss.Buffer())
		for _, k := range kept {
			read(k.Name(), k.Buffer())
		}
		for _, v := range vars {
			read(v.Name()+".grad", v.Grad())
		}
	}
	return res
}

// testNet runs the network on b and the reference and compares every
// kept tensor and gradient, in a plain run and a poisoned second run.
func testNet(t *testing.T, b, ref graph.Backend) {
	data := newNetData()
	want := runNet(t, ref, data)
	got := runNet(t, b, data)
	for i, run := range []string{"run", "poisoned rerun"} {
		for name, w := range want[0] {
			Compare(t, run+"/"+name, got[i][name], w, TolNet)
		}
	}
}

// leafByName returns the leaf of g called name.
func leafByName(g *graph.Graph, name string) *graph.Tensor {
	for _, t := range g.Leaves() {
		if t.Name() == name {
			return t
		}
	}
	panic("graphtest: no leaf " + name)
}
