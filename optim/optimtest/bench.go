package optimtest

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/vkstyle/vkstyle/optim"
)

// BenchLBFGSVectorWork measures the vector work of one L-BFGS iteration with
// a full history on s: n elements, history pairs, no line search (the
// neural-style configuration). Each benchmark iteration is one LBFGS.Step
// with MaxIter 1: one evaluation of the objective, the history update, the
// two-loop recursion over history pairs and the move: 4·history+16 vector
// passes (two of them the objective's) and four scalar read-backs, whatever
// the history (the two-loop keeps its dot products in the Space).
//
// The objective, f(x) = ½|x|² with gradient x, costs one Copy and one Dot,
// so that nearly all the time is the optimiser's. Its Hessian is the
// identity: every correction pair is accepted, and with LR 1e-3 the iterate
// shrinks by 0.1% per step, far from underflow for any practical b.N.
//
// The history is filled before the timer starts (history+2 steps), which
// with n = 3·512² and history 100 allocates 2·history+6 vectors of n
// elements (630 MB in float32).
func BenchLBFGSVectorWork(b *testing.B, s optim.Space, n, history int) {
	x, err := s.New(n)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Free(x)
	h := make([]float64, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range h {
		h[i] = rng.NormFloat64()
	}
	if err := s.Write(x, h); err != nil {
		b.Fatal(err)
	}
	f := func(x, g optim.Vector) (float64, error) {
		s.Copy(g, x)
		xx, err := s.Dot(x, x)
		return 0.5 * xx, err
	}
	o, err := optim.NewLBFGS(s, x, optim.LBFGSConfig{
		LR: 1e-3, MaxIter: 1, History: history, TolGrad: -1, TolChange: -1,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer o.Close()
	ctx := context.Background()
	for o.HistoryLen() < history {
		if _, err := o.Step(ctx, f); err != nil {
			b.Fatal(err)
		}
		if o.Iterations() > 2*history+10 {
			b.Fatalf("history holds %d pairs after %d iterations", o.HistoryLen(), o.Iterations())
		}
	}
	// One more step, so that the history drops a pair and the free pair
	// exists: the steady state, with no allocation.
	if _, err := o.Step(ctx, f); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := o.Step(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
}
