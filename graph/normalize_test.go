package graph_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
)

// TestNormalizeGrad checks NormalizeGrad on the float64 reference against
// a direct computation. Its backward is not the gradient of any function
// (the scale depends on the incoming gradient), so finite differences
// cannot check it; instead the loss
//
//	w·MSE(NormalizeGrad(x, w, eps), t) + 2·MSE(x, u)
//
// must give x the gradient w·v/(‖v‖₁ + eps) + 2·2(x−u)/n, v = 2(x−t)/n
// (neural-style's normalised content gradient plus a plain one: the
// contributions of two consumers add up), the loss must be that of the
// same graph without NormalizeGrad (its forward is the identity), and its
// output must equal x bit for bit. eps = 1 is comparable to ‖v‖₁ ≈ 2.3,
// so it shows where eps enters; a negative w and w = 0 (no backward
// kernels, only the plain term's gradient) are covered too.
func TestNormalizeGrad(t *testing.T) {
	for _, c := range []struct{ w, eps float32 }{{3, 1e-8}, {3, 1}, {-0.5, 1}, {0, 1e-8}} {
		b := cpu.New64()
		g := graph.New()
		s := graph.NCHW(1, 3, 5, 7)
		x, tg, u := g.Variable("x", s), g.Constant("t", s), g.Constant("u", s)
		y := g.NormalizeGrad(x, c.w, c.eps)
		g.Keep(y)
		loss := g.WeightedSum([]*graph.Tensor{g.MSE(y, tg), g.MSE(x, u)}, []float32{c.w, 2})
		g.Backward(loss)
		sched := strings.Join(g.Schedule(), "\n")
		want := 1
		if c.w == 0 {
			want = 0
		}
		if got := strings.Count(sched, "AbsSum("); got != want {
			t.Errorf("w=%g: %d AbsSum steps, want %d; schedule:\n%s", c.w, got, want, sched)
		}
		bindAll(t, b, g, 5)
		prog, err := g.Compile(b)
		if err != nil {
			t.Fatal(err)
		}
		prog.Run()

		xd, td, ud := b.Data(x.Buffer()), b.Data(tg.Buffer()), b.Data(u.Buffer())
		n := float64(len(xd))
		if !slices.Equal(b.Data(y.Buffer()), xd) {
			t.Errorf("w=%g: forward is not the identity", c.w)
		}
		var mse1, mse2, l1 float64
		for i, v := range xd {
			mse1 += (v - td[i]) * (v - td[i]) / n
			mse2 += (v - ud[i]) * (v - ud[i]) / n
			l1 += math.Abs(2 * (v - td[i]) / n)
		}
		if got, want := b.Data(loss.Buffer())[0], float64(c.w)*mse1+2*mse2; math.Abs(got-want) > 1e-12*math.Abs(want) {
			t.Errorf("w=%g: loss %.15g, want %.15g", c.w, got, want)
		}
		for i, d := range b.Data(x.Grad()) {
			v := 2 * (xd[i] - td[i]) / n
			want := float64(c.w)*v/(l1+float64(c.eps)) + 2*2*(xd[i]-ud[i])/n
			if math.Abs(d-want) > 1e-12*(1+math.Abs(want)) {
				t.Errorf("w=%g eps=%g: grad x[%d] = %.15g, want %.15g", c.w, c.eps, i, d, want)
			}
		}
		prog.Close()
		freeLeaves(b, g)
		if b.Live() != 0 {
			t.Errorf("w=%g: %d buffers leaked", c.w, b.Live())
		}
	}
}
