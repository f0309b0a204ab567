// Command chart draws bench/compare.sh's results: milliseconds per
// iteration against image size, vkstyle beside PyTorch, both axes log.
//
//	go run ./bench/chart -in bench/results.json -out docs/benchmarks.png
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// record is one line of the comparison: one engine at one size.
type record struct {
	Engine    string  `json:"engine"`
	Size      int     `json:"size"`
	MSPerIter float64 `json:"ms_per_iter"`
}

func main() {
	in := flag.String("in", "bench/results.json", "results written by bench/compare.sh")
	out := flag.String("out", "docs/benchmarks.png", "PNG to write")
	title := flag.String("title", "one L-BFGS iteration (forward + backward + optimiser)", "chart title")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("chart: ")

	recs, err := load(*in)
	if err != nil {
		log.Fatal(err)
	}
	p, err := draw(recs, *title)
	if err != nil {
		log.Fatal(err)
	}
	if err := p.Save(6*vg.Inch, 4*vg.Inch, *out); err != nil {
		log.Fatal(err)
	}
}

func load(path string) ([]record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var recs []record
	if err := json.Unmarshal(b, &recs); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: no results", path)
	}
	return recs, nil
}

// draw makes one line per engine, in the order engines first appear.
func draw(recs []record, title string) (*plot.Plot, error) {
	var engines []string
	series := map[string]plotter.XYs{}
	sizes := map[int]bool{}
	for _, r := range recs {
		if r.Size <= 0 || r.MSPerIter <= 0 {
			return nil, fmt.Errorf("%s at %d: %v ms is not a time a log axis can show", r.Engine, r.Size, r.MSPerIter)
		}
		if _, ok := series[r.Engine]; !ok {
			engines = append(engines, r.Engine)
		}
		series[r.Engine] = append(series[r.Engine], plotter.XY{X: float64(r.Size), Y: r.MSPerIter})
		sizes[r.Size] = true
	}

	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "image side (pixels, square)"
	p.Y.Label.Text = "ms per iteration"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	var ticks plot.ConstantTicks
	for s := range sizes {
		ticks = append(ticks, plot.Tick{Value: float64(s), Label: strconv.Itoa(s)})
	}
	sort.Slice(ticks, func(i, j int) bool { return ticks[i].Value < ticks[j].Value })
	p.X.Tick.Marker = ticks
	// Room on both sides so the end points are not cut by the axes.
	p.X.Min, p.X.Max = ticks[0].Value/1.25, ticks[len(ticks)-1].Value*1.25
	p.Add(plotter.NewGrid())
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), -vg.Points(4)

	var args []any
	for _, e := range engines {
		xy := series[e]
		sort.Slice(xy, func(i, j int) bool { return xy[i].X < xy[j].X })
		args = append(args, e, xy)
	}
	if err := plotutil.AddLinePoints(p, args...); err != nil {
		return nil, err
	}
	// Head room above the highest point for the legend.
	p.Y.Max *= 3
	return p, nil
}
