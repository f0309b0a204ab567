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

// BenchmarkSubmitSplit times a chain of 64 small dispatches recorded and
// synced as one submission (whole) and as 64 (split); the difference over
// 63 is what one more submission costs, reported as µs/extra. On lavapipe
// on a loaded 2-core machine it was below the noise (medians of
// alternated runs gave -67 to +55 µs), against the ~20 GFLOP of
// convolutions, seconds there, that the default budget puts between two
// cuts.
func BenchmarkSubmitSplit(b *testing.B) {
	const ops = 64
	per := map[string]float64{}
	for _, c := range []struct {
		name  string
		gflop float64
	}{{"whole", -1}, {"split", 1e-9}} {
		b.Run(c.name, func(b *testing.B) {
			dev := gputest.Open(b, gpu.Options{SubmitGFLOP: c.gflop})
			buf := benchBuffers(b, dev, 4096, "x")[0]
			s, err := dev.NewStream()
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				batch := s.Batch()
				for k := 0; k < ops; k++ {
					batch.Work(1)
					if err := batch.Scale(buf, 1, buf, 4096); err != nil {
						b.Fatal(err)
					}
				}
				if err := s.Sync(); err != nil {
					b.Fatal(err)
				}
			}
			per[c.name] = float64(b.Elapsed().Microseconds()) / float64(b.N)
			b.ReportMetric(float64(s.MaxSplit()), "submissions/op")
			if c.name == "split" && per["whole"] > 0 {
				b.ReportMetric((per["split"]-per["whole"])/(ops-1), "µs/extra")
			}
		})
	}
}
