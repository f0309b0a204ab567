package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/vkstyle/vkstyle/stylize"
)

// reporter prints progress: a bar with the loss, JSON lines, or nothing.
type reporter struct {
	f      *renderFlags
	stdout io.Writer
	stderr io.Writer
	bar    *progressbar.ProgressBar
	enc    *json.Encoder
	start  time.Time
	// memory, when set, reads the device memory vkstyle holds; peak is
	// the most it has read.
	memory func() uint64
	peak   uint64
}

// notice prints a line about how the run goes (stylize.Request.Notice)
// on stderr, above the bar.
func (r *reporter) notice(s string) {
	if r.bar != nil {
		r.bar.Clear()
	}
	fmt.Fprintln(r.stderr, "vkstyle:", s)
}

func newReporter(f *renderFlags, stdout, stderr io.Writer) *reporter {
	r := &reporter{f: f, stdout: stdout, stderr: stderr, start: time.Now()}
	if f.jsonOut {
		r.enc = json.NewEncoder(stdout)
	}
	return r
}

func (r *reporter) progress(p stylize.Progress) error {
	if r.memory != nil {
		r.peak = max(r.peak, r.memory())
	}
	switch {
	case r.f.quiet:
	case r.enc != nil:
		if p.Terms == nil && p.Saved == "" && p.Done != p.Total {
			return nil
		}
		rec := map[string]any{"scale": p.Scale, "scales": p.Scales, "side": p.Side,
			"iteration": p.Done, "iterations": p.Total, "loss": p.Loss, "elapsed_s": p.Elapsed.Seconds(),
			"iterations_per_s": float64(p.Done) / p.Elapsed.Seconds()}
		if r.memory != nil {
			rec["device_peak_bytes"] = r.peak
		}
		if p.Terms != nil {
			rec["content"], rec["style"], rec["tv"] = p.Terms.Content, p.Terms.Style, p.Terms.TV
		}
		if p.Saved != "" {
			rec["saved"] = p.Saved
		}
		return r.enc.Encode(rec)
	default:
		if r.bar == nil {
			r.bar = progressbar.NewOptions(p.Total, progressbar.OptionSetWriter(r.stderr),
				progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("it"),
				progressbar.OptionSetPredictTime(true), progressbar.OptionSetWidth(24), progressbar.OptionThrottle(100*time.Millisecond))
		}
		desc := fmt.Sprintf("scale %d/%d %dpx  loss %.4g", p.Scale, p.Scales, p.Side, p.Loss)
		if p.Terms != nil {
			desc += fmt.Sprintf(" (content %.3g style %.3g tv %.3g)", p.Terms.Content, p.Terms.Style, p.Terms.TV)
		}
		r.bar.Describe(desc)
		if p.Saved != "" { // the iteration's one report also says what it saved
			r.bar.Clear()
			fmt.Fprintf(r.stderr, "vkstyle: saved %s\n", p.Saved)
		}
		r.bar.Set(p.Done)
	}
	return nil
}

func (r *reporter) finish() {
	if r.bar != nil {
		r.bar.Finish()
		fmt.Fprintln(r.stderr)
	}
}
