package stylize

import (
	"context"
	"testing"
)

// Iteration k reports the loss of the k-th evaluation (the image iteration
// k starts from), for both optimisers, as neural-style-pt prints
// "Iteration k": iteration 1 is the starting loss, every iteration is
// reported once, and the loss terms are those of the same evaluation.
func TestIterationNumberingMatchesEvaluations(t *testing.T) {
	for _, opt := range []string{"lbfgs", "adam"} {
		t.Run(opt, func(t *testing.T) {
			m := newTinyModel()
			defer m.free()
			o := tinyOptions()
			o.Optimizer, o.Iterations, o.PrintEvery = opt, 6, 1
			var evals []float64
			var reports []Progress
			r := Request{
				Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: o,
				Progress: func(p Progress) error { reports = append(reports, p); return nil },
				evalHook: func(loss float64) { evals = append(evals, loss) },
			}
			if _, err := Run(context.Background(), NewCPU(), m, r); err != nil {
				t.Fatal(err)
			}
			if len(reports) != o.Iterations {
				t.Fatalf("%d reports for %d iterations", len(reports), o.Iterations)
			}
			for i, p := range reports {
				k := i + 1
				if p.Iteration != k || p.Done != k {
					t.Errorf("report %d says iteration %d (done %d)", k, p.Iteration, p.Done)
				}
				if p.Loss != evals[i] {
					t.Errorf("iteration %d: loss %v, want evaluation %d's %v (evaluations %v)", k, p.Loss, k, evals[i], evals)
				}
				if p.Terms == nil {
					t.Fatalf("iteration %d: no loss terms with PrintEvery 1", k)
				}
				if sum := p.Terms.Content + p.Terms.Style + p.Terms.TV; !within(sum, p.Loss, 1e-4) {
					t.Errorf("iteration %d: terms sum to %v, loss %v: not the same evaluation", k, sum, p.Loss)
				}
			}
		})
	}
}

func within(a, b, rel float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	if b < 0 {
		b = -b
	}
	return d <= rel*b
}
