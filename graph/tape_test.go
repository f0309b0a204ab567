package graph_test

import (
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
)

// bindAll binds a buffer of standard normal values, scaled by 1/sqrt of
// the last three dimensions for weights, to every leaf of g.
func bindAll[T cpu.Float](t *testing.T, b *cpu.Backend[T], g *graph.Graph, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	for _, l := range g.Leaves() {
		buf, err := b.Alloc(l.Shape().Len(), l.Name())
		if err != nil {
			t.Fatal(err)
		}
		scale := 1.0
		if strings.HasPrefix(l.Name(), "w") {
			s := l.Shape()
			scale = 1 / math.Sqrt(float64(s.C*s.H*s.W))
		}
		for i, d := 0, b.Data(buf); i < len(d); i++ {
			d[i] = T(scale * rng.NormFloat64())
		}
		l.Bind(buf)
	}
}

func freeLeaves[T cpu.Float](b *cpu.Backend[T], g *graph.Graph) {
	for _, l := range g.Leaves() {
		b.Free(l.Buffer())
	}
}

// styleNet builds a small style-transfer graph using every op, with relu1
// feeding a Gram, a std loss and the next conv, so its gradient is a sum
// of three.
func styleNet() (g *graph.Graph, loss *graph.Tensor) {
	g = graph.New()
	x := g.Variable("x", graph.NCHW(1, 2, 6, 8))
	w1, b1 := g.Constant("w1", graph.NCHW(3, 2, 3, 3)), g.Constant("b1", graph.NCHW(1, 3, 1, 1))
	w2, b2 := g.Variable("w2", graph.NCHW(4, 3, 3, 3)), g.Variable("b2", graph.NCHW(1, 4, 1, 1))
	r1 := g.ReLU(g.Conv2D(x, w1, b1, graph.ConvOpts{Pad: 1, Reflect: true}))
	p1 := g.MaxPool2x2(r1)
	r2 := g.ReLU(g.Conv2D(p1, w2, b2, graph.ConvOpts{Stride: 2, Pad: 1}))
	a2 := g.AvgPool2x2(r2)
	_, std := g.ChannelMeanStd(r1, 1e-3)
	terms := []*graph.Tensor{
		g.MSE(a2, g.Constant("content", a2.Shape())),
		g.MSE(g.Gram(r1), g.Constant("gram", graph.NCHW(1, 1, 3, 3))),
		g.MSE(std, g.Constant("std", std.Shape())),
		g.MSE(g.Resize(x, 5, 11), g.Constant("resized", graph.NCHW(1, 2, 5, 11))),
		g.TV(x),
	}
	loss = g.WeightedSum(terms, []float32{5, 100, 2, 0.5, 1e-2})
	g.Backward(loss)
	return g, loss
}

// TestBackwardFiniteDifferences checks the gradients the tape produces for
// the image and a trainable conv against central differences of the
// loss, in float64 (step 1e-6, tolerance 1e-6 absolute plus relative).
// Inputs are random; no ReLU input or max-pool tie lies within the step of
// a kink for this seed (a kink would show as a large error).
func TestBackwardFiniteDifferences(t *testing.T) {
	b := cpu.New64()
	g, loss := styleNet()
	bindAll(t, b, g, 1)
	defer freeLeaves(b, g)
	prog, err := g.Compile(b)
	if err != nil {
		t.Fatal(err)
	}
	defer prog.Close()
	prog.Run()
	eval := func() float64 {
		prog.Forward()
		return b.Data(loss.Buffer())[0]
	}
	const h, tol = 1e-6, 1e-6
	for _, l := range g.Leaves() {
		if !l.RequiresGrad() {
			if l.Grad() != nil {
				t.Errorf("constant %s has a gradient", l.Name())
			}
			continue
		}
		x, grad := b.Data(l.Buffer()), slices.Clone(b.Data(l.Grad()))
		for i, v := range x {
			x[i] = v + h
			fp := eval()
			x[i] = v - h
			fm := eval()
			x[i] = v
			fd := (fp - fm) / (2 * h)
			if math.Abs(grad[i]-fd) > tol*(1+math.Abs(fd)) {
				t.Errorf("∂loss/∂%s[%d] = %.9g, finite difference %.9g", l.Name(), i, grad[i], fd)
			}
		}
	}
}

// TestAccumulation checks that a tensor used twice gets the sum.
func TestAccumulation(t *testing.T) {
	b := cpu.New()
	g := graph.New()
	x := g.Variable("x", graph.Scalar)
	loss := g.WeightedSum([]*graph.Tensor{x, x, g.ReLU(x)}, []float32{2, 3, 4})
	g.Backward(loss)
	buf, _ := b.Alloc(1, "x")
	defer b.Free(buf)
	b.Data(buf)[0] = 1.5
	x.Bind(buf)
	prog, err := g.Compile(b)
	if err != nil {
		t.Fatal(err)
	}
	defer prog.Close()
	for run := 0; run < 2; run++ { // gradients are recomputed, not accumulated across runs
		prog.Run()
		if l, d := b.Data(loss.Buffer())[0], b.Data(x.Grad())[0]; l != 13.5 || d != 9 {
			t.Errorf("run %d: loss %g, grad %g; want 13.5, 9", run, l, d)
		}
	}
}

// TestFrozen checks that constants issue no gradient kernels: a frozen
// conv weight gets no Conv2DBackwardWeight, a frozen input no
// Conv2DBackwardData, and ops on constants alone no backward at all.
func TestFrozen(t *testing.T) {
	g := graph.New()
	x := g.Variable("x", graph.NCHW(1, 2, 4, 4))
	w := g.Constant("w", graph.NCHW(2, 2, 3, 3))
	c := g.Constant("c", graph.NCHW(1, 2, 4, 4))
	v := g.Variable("v", graph.NCHW(2, 2, 3, 3))
	y1 := g.Conv2D(x, w, nil, graph.ConvOpts{Pad: 1})
	y2 := g.Conv2D(c, v, nil, graph.ConvOpts{Pad: 1})
	y3 := g.ReLU(c) // no gradient flows here
	loss := g.WeightedSum([]*graph.Tensor{g.TV(y1), g.TV(y2), g.TV(y3)}, []float32{1, 1, 1})
	g.Backward(loss)
	count := map[string]int{}
	for _, line := range g.Schedule() {
		for _, k := range []string{"Conv2DBackwardData", "Conv2DBackwardWeight", "ReLUBackward", "TVBackward"} {
			if strings.Contains(line, " "+k+"(") {
				count[k]++
			}
		}
	}
	want := map[string]int{"Conv2DBackwardData": 1, "Conv2DBackwardWeight": 1, "TVBackward": 2}
	if !maps.Equal(count, want) {
		t.Errorf("backward kernels %v, want %v; schedule:\n%s", count, want, strings.Join(g.Schedule(), "\n"))
	}
	if !x.RequiresGrad() || w.RequiresGrad() || y3.RequiresGrad() || !y2.RequiresGrad() {
		t.Error("RequiresGrad propagated wrongly")
	}
}

// TestUnusedVariable checks that a variable the loss does not depend on
// gets a zero gradient, and a multi-output op whose other output is unused
// gets a zero gradient for it.
func TestUnusedVariable(t *testing.T) {
	b := cpu.New()
	g := graph.New()
	x := g.Variable("x", graph.NCHW(1, 1, 2, 2))
	u := g.Variable("u", graph.Scalar)
	mean, _ := g.ChannelMeanStd(x, 0)
	g.Backward(g.MSE(mean, g.Constant("t", graph.Scalar)))
	bindAll(t, b, g, 2)
	defer freeLeaves(b, g)
	prog, err := g.Compile(b)
	if err != nil {
		t.Fatal(err)
	}
	defer prog.Close()
	b.Fill(u.Grad(), 7) // must be overwritten
	prog.Run()
	if d := b.Data(u.Grad())[0]; d != 0 {
		t.Errorf("grad of unused u = %g, want 0", d)
	}
	xs, m, tg := b.Data(x.Buffer()), 0.0, float64(b.Data(g.Leaves()[2].Buffer())[0])
	for _, v := range xs {
		m += float64(v) / 4
	}
	for i, d := range b.Data(x.Grad()) {
		if want := 2 * (m - tg) / 4; math.Abs(float64(d)-want) > 1e-6 {
			t.Errorf("grad x[%d] = %g, want %g", i, d, want)
		}
	}
}

// TestPoison checks the memory plan: with every dead buffer overwritten
// by NaN, results are bit-identical to a plain run.
func TestPoison(t *testing.T) {
	b := cpu.New()
	g, loss := styleNet()
	bindAll(t, b, g, 3)
	defer freeLeaves(b, g)
	prog, err := g.Compile(b)
	if err != nil {
		t.Fatal(err)
	}
	defer prog.Close()
	read := func() [][]float32 {
		out := [][]float32{slices.Clone(b.Data(loss.Buffer()))}
		for _, l := range g.Leaves() {
			if l.RequiresGrad() {
				out = append(out, slices.Clone(b.Data(l.Grad())))
			}
		}
		return out
	}
	prog.Run()
	want := read()
	prog.Poison = true
	prog.Run()
	got := read()
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("output %d differs with poison:\n got %v\nwant %v", i, got[i], want[i])
		}
	}
	if math.IsNaN(float64(want[0][0])) {
		t.Error("loss is NaN")
	}
}

// TestForward checks that Forward computes the loss without gradients.
func TestForward(t *testing.T) {
	b := cpu.New()
	g, loss := styleNet()
	bindAll(t, b, g, 4)
	defer freeLeaves(b, g)
	prog, err := g.Compile(b)
	if err != nil {
		t.Fatal(err)
	}
	defer prog.Close()
	x := g.Leaves()[0]
	b.Fill(x.Grad(), 42)
	prog.Forward()
	l := b.Data(loss.Buffer())[0]
	if b.Data(x.Grad())[0] != 42 {
		t.Error("Forward touched a gradient")
	}
	prog.Run()
	if b.Data(loss.Buffer())[0] != l {
		t.Error("Forward and Run disagree on the loss")
	}
}

// TestSchedule checks the schedule's notation.
func TestSchedule(t *testing.T) {
	g := graph.New()
	x := g.Variable("x", graph.NCHW(1, 1, 2, 2))
	r := g.ReLU(x).SetName("r")
	g.Backward(g.TV(r).SetName("tv"))
	want := []string{
		"r = ReLUForward(x)",
		"tv = TVForward(r)",
		"tv.grad = Fill(1)",
		"r.grad = Fill(0)",
		"r.grad += TVBackward(r, tv.grad)",
		"x.grad = Fill(0)",
		"x.grad += ReLUBackward(r, r.grad)",
	}
	if got := g.Schedule(); !slices.Equal(got, want) {
		t.Errorf("schedule\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
