package stylize

import (
	"context"
	"fmt"
	"testing"
)

// Every iteration is reported once, save iterations included: the report
// of an iteration that saved an image carries the path in Saved (and the
// loss terms when it is also a print iteration), rather than a second
// report of the same iteration following the first.
func TestOneReportPerIterationWhenSaving(t *testing.T) {
	for _, opt := range []string{"lbfgs", "adam"} {
		t.Run(opt, func(t *testing.T) {
			m := newTinyModel()
			defer m.free()
			o := tinyOptions()
			o.Optimizer, o.Iterations, o.PrintEvery, o.SaveEvery = opt, 9, 2, 3
			calls := map[int]int{}
			saved := map[int]string{}
			var terms []int
			var wrote []int
			r := Request{
				Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: o,
				Progress: func(p Progress) error {
					calls[p.Done]++
					if p.Saved != "" {
						saved[p.Done] = p.Saved
					}
					if p.Terms != nil {
						terms = append(terms, p.Done)
					}
					return nil
				},
				Save: func(it int, im *Image) (string, error) {
					wrote = append(wrote, it)
					return fmt.Sprintf("out_%d.png", it), nil
				},
			}
			if _, err := Run(context.Background(), NewCPU(), m, r); err != nil {
				t.Fatal(err)
			}
			for it := 1; it <= o.Iterations; it++ {
				if calls[it] != 1 {
					t.Errorf("iteration %d reported %d times, want once", it, calls[it])
				}
			}
			if len(calls) != o.Iterations {
				t.Errorf("reports for iterations %v, want 1…%d", calls, o.Iterations)
			}
			// Saves at 3 and 6; not at 9, the last, which is the result.
			if fmt.Sprint(wrote) != "[3 6]" {
				t.Errorf("saved at iterations %v, want [3 6]", wrote)
			}
			if len(saved) != 2 || saved[3] != "out_3.png" || saved[6] != "out_6.png" {
				t.Errorf("Saved in the reports: %v, want out_3.png at 3 and out_6.png at 6", saved)
			}
			if fmt.Sprint(terms) != "[2 4 6 8 9]" {
				t.Errorf("terms at iterations %v, want [2 4 6 8 9]", terms)
			}
		})
	}
}
