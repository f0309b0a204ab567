package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
)

// vgg19 builds the style-transfer graph of neural-style on VGG19 up to
// relu5_1 with channels divided by div: style losses (Gram + MSE) on
// relu1_1 … relu5_1, content loss on relu4_2, TV on the image, frozen
// weights.
func vgg19(side, div int) (*graph.Graph, *graph.Tensor) {
	g := graph.New()
	x := g.Variable("x", graph.NCHW(1, 3, side, side))
	blocks := [][]int{{64, 64}, {128, 128}, {256, 256, 256, 256}, {512, 512, 512, 512}, {512}}
	var terms []*graph.Tensor
	h, c := x, 3
	for bi, block := range blocks {
		if bi > 0 {
			h = g.MaxPool2x2(h)
		}
		for li, ch := range block {
			name := fmt.Sprintf("conv%d_%d", bi+1, li+1)
			ch /= div
			w := g.Constant(name+".w", graph.NCHW(ch, c, 3, 3))
			b := g.Constant(name+".b", graph.NCHW(1, ch, 1, 1))
			h = g.ReLU(g.Conv2D(h, w, b, graph.ConvOpts{Pad: 1}).SetName(name)).SetName("relu" + name[4:])
			c = ch
			if li == 0 {
				terms = append(terms, g.MSE(g.Gram(h), g.Constant("style"+name[4:], graph.NCHW(1, 1, ch, ch))))
			}
			if name == "conv4_2" {
				terms = append(terms, g.MSE(h, g.Constant("content", h.Shape())))
			}
		}
	}
	terms = append(terms, g.TV(x))
	ws := make([]float32, len(terms))
	for i := range ws {
		ws[i] = 1
	}
	loss := g.WeightedSum(terms, ws)
	g.Backward(loss)
	return g, loss
}

// TestPlanPeak checks that buffer reuse keeps the peak of a VGG19 forward
// and backward well below the sum of all its tensors (at 512², full
// width: 545 MiB pooled, 308 MiB live at most, 1.2 GiB without reuse),
// and that the pool is never below the most bytes live at once. Exact-size
// pooling costs the gap between pooled and live: buffers of one size
// cannot serve tensors of another.
func TestPlanPeak(t *testing.T) {
	for _, c := range []struct{ side, div int }{{32, 8}, {64, 4}, {512, 1}} {
		g, _ := vgg19(c.side, c.div)
		p := g.Plan()
		t.Logf("VGG19/%d at %d²: %v", c.div, c.side, p)
		if p.PeakBytes > p.TotalBytes/2 {
			t.Errorf("peak %d bytes is more than half of %d", p.PeakBytes, p.TotalBytes)
		}
		if p.PeakBytes < p.LiveBytes {
			t.Errorf("peak %d below live %d", p.PeakBytes, p.LiveBytes)
		}
	}
}

// TestAllocFailure checks that Compile returns an error naming the tensor
// and its size, and frees what it allocated.
func TestAllocFailure(t *testing.T) {
	g, _ := vgg19(32, 8)
	b := cpu.New()
	b.Limit = 64 << 10
	_, err := g.Compile(b)
	if err == nil || !strings.HasPrefix(err.Error(), "graph: allocating ") || !strings.Contains(err.Error(), "float32, ") {
		t.Fatalf("Compile error %v, want one naming the tensor and size", err)
	}
	t.Log(err)
	if b.Live() != 0 {
		t.Errorf("%d buffers leaked", b.Live())
	}
	// The graph can be compiled again once memory suffices.
	b.Limit = 0
	prog, err := g.Compile(b)
	if err != nil {
		t.Fatal(err)
	}
	if b.Live() != prog.Plan().Buffers {
		t.Errorf("%d buffers live, plan has %d", b.Live(), prog.Plan().Buffers)
	}
	prog.Close()
	prog.Close()
	if b.Live() != 0 {
		t.Errorf("%d buffers leaked after Close", b.Live())
	}
}
