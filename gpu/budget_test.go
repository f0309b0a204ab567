package gpu_test

import (
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/gputest"
)

// A batch whose declared work passes the budget is cut into submissions
// between operations, each operation sees what the ones before it wrote
// (a chain of dependent updates, each in its own submission, gives the
// same bits as one), and a Stream counts the submissions. Validation
// (synchronisation included) must stay silent.
func TestSubmitBudgetSplits(t *testing.T) {
	const n, ops = 3000, 7
	run := func(gflop float64, resubmit bool) ([]float32, int, int) {
		dev := gputest.Open(t, gpu.Options{SubmitGFLOP: gflop})
		x := upload(t, dev, "x", seq(n, 1))
		y := upload(t, dev, "y", seq(n, 0.5))
		defer x.Close()
		defer y.Close()
		s, err := dev.NewStream()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		b := s.Batch()
		// y = 2y + x, seven times: each step reads the one before.
		for i := 0; i < ops; i++ {
			b.Work(1e9) // 1 GFLOP declared per operation
			if err := b.Scale(y, 2, y, n); err != nil {
				t.Fatal(err)
			}
			if err := b.Axpy(y, 1, x, n); err != nil {
				t.Fatal(err)
			}
		}
		parts := b.Submissions()
		if resubmit { // a recorded batch may be submitted again
			if err := b.Submit(); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Sync(); err != nil {
			t.Fatal(err)
		}
		if s.Syncs() != 1 || s.Submissions() != parts || s.MaxSplit() != parts {
			t.Errorf("budget %g: %d syncs, %d submissions, at most %d per sync; the batch had %d", gflop, s.Syncs(), s.Submissions(), s.MaxSplit(), parts)
		}
		return download(t, y, n), parts, s.Submissions()
	}
	whole, parts, _ := run(-1, false)
	if parts != 1 {
		t.Fatalf("no budget: %d submissions, want 1", parts)
	}
	for _, c := range []struct {
		gflop float64
		want  int
	}{{1, ops}, {2.5, 4}, {7, 1}, {0.1, ops}} {
		got, parts, _ := run(c.gflop, false)
		if parts != c.want {
			t.Errorf("budget %g GFLOP, 7 operations of 1: %d submissions, want %d", c.gflop, parts, c.want)
		}
		for i := range got {
			if got[i] != whole[i] {
				t.Fatalf("budget %g: y[%d] = %v, one submission gives %v", c.gflop, i, got[i], whole[i])
			}
		}
	}
	// Submitted twice, the chain runs twice: order holds across repeats.
	twice, _, _ := run(1, true)
	once := seq(n, 0.5)
	for r := 0; r < 2*ops; r++ {
		for i := range once {
			once[i] = 2*once[i] + float32(i)
		}
	}
	for i := range twice {
		if twice[i] != once[i] {
			t.Fatalf("submitted twice: y[%d] = %v, want %v", i, twice[i], once[i])
		}
	}
}

// seq returns v[i] = i·step.
func seq(n int, step float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i) * step
	}
	return v
}
