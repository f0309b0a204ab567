package stylize

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// With tiling off, the -size that the memory check (checkFits) advises really fits: a run at that size,
// on the same budget, passes the check at every scale. The budgets are
// small enough that the network's weights and the style targets, which do
// not shrink with the image, are a large part of the need (where scaling
// the need by the square of the side suggests sizes that do not fit).
func TestMemorySizeAdviceFits(t *testing.T) {
	m := newTinyModel()
	defer m.free()
	advice := regexp.MustCompile(`use -size (\d+) or less`)
	for _, c := range []struct {
		opt    string
		scales int
	}{{"lbfgs", 1}, {"adam", 1}, {"lbfgs", 2}} {
		t.Run(c.opt+"/"+strconv.Itoa(c.scales), func(t *testing.T) {
			o := tinyOptions()
			o.Optimizer, o.Scales, o.Size, o.Iterations, o.History = c.opt, c.scales, 128, 3, 5
			o.Tile = TileOff // the advice is for runs that do not tile
			r := Request{Content: SampleContent(64, 48), Styles: []*Image{SampleStyle(64, 48)}, Options: o}
			advised := 0
			for budget := int64(16 << 10); budget < 8<<20; budget = budget * 5 / 4 {
				eng := budgetEngine{NewCPU(), budget}
				_, err := Run(context.Background(), eng, m, r)
				if err == nil {
					break // larger budgets fit too
				}
				msg := err.Error()
				if !strings.Contains(msg, "needs about") {
					t.Fatalf("budget %d: %v", budget, err)
				}
				sub := advice.FindStringSubmatch(msg)
				if sub == nil {
					if !strings.Contains(msg, "-size") || strings.Contains(msg, "-style-scale") {
						t.Errorf("budget %d: %v: want -size advice", budget, err)
					}
					continue // no -size fits
				}
				size, _ := strconv.Atoi(sub[1])
				advised++
				r2 := r
				r2.Options.Size = size
				if _, err := Run(context.Background(), eng, m, r2); err != nil {
					t.Errorf("budget %d: advised -size %d, which does not run: %v (advice: %v)", budget, size, err, msg)
				}
			}
			if advised < 3 {
				t.Errorf("only %d budgets gave -size advice", advised)
			}
		})
	}
}
