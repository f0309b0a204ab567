package graph_test

import (
	"fmt"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
)

// A content loss through a frozen 1×1 convolution, plus TV, on the
// reference backend: build, compile, bind, run, read the gradient. By
// hand: feat = 2x, MSE = (4+16+36+64)/4 = 30, TV = 2²+2²+1²+1² = 10, so
// loss = 30 + 0.5·10; ∂MSE/∂x = 2·2·feat/4 = feat, ∂(TV/2)/∂x = (−3,
// −1, 1, 3).
func Example() {
	g := graph.New()
	x := g.Variable("x", graph.NCHW(1, 1, 2, 2))
	w := g.Constant("w", graph.NCHW(1, 1, 1, 1))
	target := g.Constant("target", graph.NCHW(1, 1, 2, 2))
	feat := g.Conv2D(x, w, nil, graph.ConvOpts{})
	loss := g.WeightedSum([]*graph.Tensor{g.MSE(feat, target), g.TV(x)}, []float32{1, 0.5})
	g.Backward(loss)

	b := cpu.New()
	for _, leaf := range []struct {
		t    *graph.Tensor
		data []float32
	}{{x, []float32{1, 2, 3, 4}}, {w, []float32{2}}, {target, []float32{0, 0, 0, 0}}} {
		buf, _ := b.Alloc(leaf.t.Shape().Len(), leaf.t.Name())
		defer b.Free(buf)
		b.Upload(buf, leaf.data)
		leaf.t.Bind(buf)
	}
	prog, err := g.Compile(b)
	if err != nil {
		panic(err)
	}
	defer prog.Close()
	prog.Run()

	l, grad := make([]float32, 1), make([]float32, 4)
	b.Download(loss.Buffer(), l)
	b.Download(x.Grad(), grad)
	fmt.Println("loss", l[0])
	fmt.Println("grad", grad)
	fmt.Println(prog.Plan())
	// Output:
	// loss 35
	// grad [-1 3 7 11]
	// 14 steps, 9 tensors in 7 buffers: peak 64 B (live 56 B), 72 B without reuse, leaves 36 B
}
