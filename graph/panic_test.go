package graph_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
)

// mustPanic runs f and checks that it panics with a message starting with
// "graph:" and containing every string of want.
func mustPanic(t *testing.T, name string, f func(), want ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		msg := fmt.Sprint(r)
		if r == nil || !strings.HasPrefix(msg, "graph: ") {
			t.Errorf("%s: panic %v, want a graph: panic", name, r)
			return
		}
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: panic %q does not mention %q", name, msg, w)
			}
		}
	}()
	f()
}

func TestProgrammerErrors(t *testing.T) {
	g := graph.New()
	x := g.Variable("x", graph.NCHW(1, 3, 8, 8))
	w := g.Constant("w", graph.NCHW(4, 2, 3, 3))
	tiny := g.Constant("tiny", graph.NCHW(1, 3, 1, 1))
	mustPanic(t, "conv channels", func() { g.Conv2D(x, w, nil, graph.ConvOpts{}) }, "1×3×8×8", "4×2×3×3")
	w3 := g.Constant("w3", graph.NCHW(4, 3, 3, 3))
	mustPanic(t, "conv bias", func() { g.Conv2D(x, w3, x, graph.ConvOpts{}) }, "1×3×8×8", "4 elements")
	mustPanic(t, "reflect pad", func() { g.Conv2D(tiny, w3, nil, graph.ConvOpts{Pad: 1, Reflect: true}) }, "1×3×1×1")
	mustPanic(t, "kernel too big", func() { g.Conv2D(tiny, w3, nil, graph.ConvOpts{}) }, "3×3")
	mustPanic(t, "pool", func() { g.MaxPool2x2(tiny) }, "1×3×1×1")
	mustPanic(t, "mse", func() { g.MSE(x, tiny) }, "1×3×8×8", "1×3×1×1")
	mustPanic(t, "mse target", func() { g.MSE(x, x) }, "constant")
	mustPanic(t, "sum", func() { g.WeightedSum([]*graph.Tensor{x, tiny}, []float32{1, 1}) }, "1×3×8×8", "1×3×1×1")
	mustPanic(t, "sum weights", func() { g.WeightedSum([]*graph.Tensor{x}, nil) }, "weights")
	mustPanic(t, "resize", func() { g.Resize(x, 0, 3) }, "0×3")
	mustPanic(t, "normalize eps", func() { g.NormalizeGrad(x, 1, 0) }, "NormalizeGrad", "eps 0")
	mustPanic(t, "normalize weight", func() { g.NormalizeGrad(x, float32(math.Inf(1)), 1e-8) }, "NormalizeGrad", "+Inf")
	mustPanic(t, "loss shape", func() { g.Backward(x) }, "1×3×8×8")
	mustPanic(t, "leaf shape", func() { g.Variable("bad", graph.NCHW(1, 0, 2, 2)) }, "1×0×2×2")
	other := graph.New().Variable("y", graph.NCHW(1, 3, 8, 8))
	mustPanic(t, "other graph", func() { g.ReLU(other) }, "another graph")
	b := cpu.New()
	buf, _ := b.Alloc(5, "buf")
	mustPanic(t, "bind", func() { x.Bind(buf) }, "5 elements", "192")

	g.Backward(g.TV(x))
	mustPanic(t, "after backward", func() { g.ReLU(x) }, "Backward")
	prog, err := g.Compile(b)
	if err != nil {
		t.Fatal(err)
	}
	mustPanic(t, "unbound", func() { prog.Run() }, "x", "Bind")
	mustPanic(t, "compile twice", func() { g.Compile(b) }, "already compiled")
	prog.Close()
	mustPanic(t, "closed", func() { prog.Run() }, "closed")
	buf2, _ := b.Alloc(4, "buf2")
	mustPanic(t, "kernel length", func() { b.ReLUBackward(buf, buf, buf2) }, "ReLUBackward", "dx", "4 elements, want 5")
}
