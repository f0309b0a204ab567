package vkoptim_test

import (
	"context"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/vkoptim"
	"github.com/vkstyle/vkstyle/optim"
	"github.com/vkstyle/vkstyle/optim/optimtest"
)

// syncProbe records the stream's sync count at every MaxAbs, which L-BFGS
// calls once per Step (on the gradient of its first evaluation): the
// differences are the syncs per Step.
type syncProbe struct {
	*vkoptim.Space
	marks, dispatches []int
}

func (p *syncProbe) MaxAbs(v optim.Vector) (float64, error) {
	p.marks = append(p.marks, p.Stream().Syncs())
	p.dispatches = append(p.dispatches, p.Stream().Dispatches())
	return p.Space.MaxAbs(v)
}

// perStep returns the syncs between the last two MaxAbs calls.
func (p *syncProbe) perStep() int { return lastDiff(p.marks) }

// dispatchesPerStep returns the dispatches submitted between the last two
// MaxAbs calls.
func (p *syncProbe) dispatchesPerStep() int { return lastDiff(p.dispatches) }

func lastDiff(m []int) int {
	if len(m) < 2 {
		return 0
	}
	return m[len(m)-1] - m[len(m)-2]
}

// BenchmarkLBFGSVectorWork is the vector work of one L-BFGS iteration with
// a full history of 100 pairs at n = 3·512² (a 512×512 RGB image; 630 MB
// of vectors): see optimtest.BenchLBFGSVectorWork. It reports the stream
// synchronisations per iteration (4, with the objective's Dot, whatever
// the history).
func BenchmarkLBFGSVectorWork(b *testing.B) {
	const n, history = 3 * 512 * 512, 100
	sp := open(b, gpu.Options{})
	p := &syncProbe{Space: sp}
	optimtest.BenchLBFGSVectorWork(b, p, n, history)
	b.ReportMetric(float64(p.perStep()), "syncs/op")
}

// TestSyncsPerIteration checks the synchronisations of one L-BFGS iteration
// in the benchmark's configuration (no line search, one iteration per Step,
// a full history, objective ½|x|²): four read-backs whatever the history
// — the objective's Dot, max |g|, sᵀy with yᵀy, and gᵀd — because the
// two-loop recursion keeps its dot products on the device.
//
// The dispatches of an iteration do not grow with the history while the
// stored pairs fit one multi-vector dispatch, and beyond it by one per 12
// vectors for the products and one per 15 for the direction (on
// lavapipe's 32 storage buffers): the vector-free two-loop takes its
// products and its direction in a few dispatches each, where the textbook
// loop recorded four per pair.
func TestSyncsPerIteration(t *testing.T) {
	var few int
	for _, h := range []int{1, 2, 5, 40} {
		syncs, dispatches := syncsPerIteration(t, h)
		if syncs != 4 {
			t.Errorf("%d syncs per iteration with %d pairs, want 4", syncs, h)
		}
		t.Logf("%d pairs: %d dispatches per iteration", h, dispatches)
		// Three vectors' products with 2(h+1), 12 a dispatch; one Combine
		// of 2h+1, 15 a dispatch.
		extra := (2*(h+1)+11)/12 - 1 + (2*h+1+14)/15 - 1
		switch {
		case h == 1:
			few = dispatches
		case dispatches > few+extra:
			t.Errorf("%d dispatches per iteration with %d pairs, %d with 1: want at most %d more", dispatches, h, few, extra)
		}
	}
}

func syncsPerIteration(t *testing.T, h int) (syncs, dispatches int) {
	const n = 100
	sp := open(t, gpu.Options{})
	p := &syncProbe{Space: sp}
	x := newVec(t, p, randData(5, n))
	defer p.Free(x)
	f := func(x, g optim.Vector) (float64, error) {
		p.Copy(g, x)
		xx, err := p.Dot(x, x)
		return 0.5 * xx, err
	}
	o, err := optim.NewLBFGS(p, x, optim.LBFGSConfig{LR: 1e-3, MaxIter: 1, History: h, TolGrad: -1, TolChange: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	for i := 0; i < h+4; i++ {
		if _, err := o.Step(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
	if o.HistoryLen() != h {
		t.Fatalf("history %d, want %d", o.HistoryLen(), h)
	}
	if _, err := o.Step(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	return p.perStep(), p.dispatchesPerStep()
}

// BenchmarkReadback is the latency of one scalar read-back: a Dot of one
// element, which is one stream synchronisation.
func BenchmarkReadback(b *testing.B) {
	sp := open(b, gpu.Options{})
	x := newVec(b, sp, []float64{1})
	defer sp.Free(x)
	for b.Loop() {
		if _, err := sp.Dot(x, x); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPass times the two kinds of pass of the two-loop recursion at
// n = 3·512², per pass: Axpy (recorded, 64 per synchronisation) and Dot
// (one synchronisation each).
func BenchmarkPass(b *testing.B) {
	const n = 3 * 512 * 512
	sp := open(b, gpu.Options{})
	h := randData(6, n)
	x, y := newVec(b, sp, h), newVec(b, sp, h)
	defer sp.Free(x)
	defer sp.Free(y)
	b.Run("Axpy", func(b *testing.B) {
		b.SetBytes(3 * 4 * n)
		i := 0
		for b.Loop() {
			sp.Axpy(y, 1e-6, x)
			if i++; i%64 == 0 {
				if err := sp.Stream().Sync(); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := sp.Stream().Sync(); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("Dot", func(b *testing.B) {
		b.SetBytes(2 * 4 * n)
		for b.Loop() {
			if _, err := sp.Dot(x, y); err != nil {
				b.Fatal(err)
			}
		}
	})
}
