package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestBenchJSON(t *testing.T) {
	requireDevice(t)
	code, stdout, stderr := vkstyle(t, "bench", "-size", "32", "-steps", "1", "-model", "embedded", "-json")
	if code != 0 {
		t.Fatalf("bench: %d %s", code, stderr)
	}
	var r benchResult
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("not JSON: %q", stdout)
	}
	if r.MedianMS <= 0 || r.GFLOP <= 0 || r.PeakBytes == 0 || r.FirstColdMS <= 0 || len(r.KernelsMS) == 0 || r.Kernels == "" {
		t.Errorf("incomplete result %+v", r)
	}
	// L-BFGS is timed in its steady state: after as many untimed
	// iterations as its history holds; the profile is a separate pass.
	if r.Warmup != 100 || r.History != 100 || r.ProfiledIters != 1 {
		t.Errorf("warm-up %d, history %d, profiled iterations %d: want 100, 100, 1", r.Warmup, r.History, r.ProfiledIters)
	}
	code, stdout, stderr = vkstyle(t, "bench", "-size", "32", "-steps", "1", "-warmup", "2", "-model", "embedded", "-kernels", "shared", "-json")
	if strings.Contains(stderr, "cannot run the shared-memory kernels") {
		// A device (or VKSTYLE_LIMITS=minimum) too small for them: the
		// refusal is one line naming the limit.
		oneLineError(t, code, stderr, "invocations")
	} else if code != 0 {
		t.Fatalf("bench -kernels shared: %d %s", code, stderr)
	} else if err := json.Unmarshal([]byte(stdout), &r); err != nil || r.Kernels != "shared" || r.MedianMS <= 0 {
		t.Errorf("bench -kernels shared: %v %+v", err, r)
	}
	code, _, stderr = vkstyle(t, "bench", "-steps", "0")
	oneLineError(t, code, stderr, "-steps 0")
	code, _, stderr = vkstyle(t, "bench", "-warmup", "-2")
	oneLineError(t, code, stderr, "-warmup -2")
	code, _, stderr = vkstyle(t, "bench", "-kernels", "fast")
	oneLineError(t, code, stderr, "-kernels")
}

// designDoc is the design notes, read by TestFlopsMatchDesign.
const designDoc = "../../docs/DESIGN.md"

// TestFlopsMatchDesign checks flops against the FLOP table of
// docs/DESIGN.md §6 (VGG19 to relu5_1), read from the file so that the
// document and the code cannot drift apart.
func TestFlopsMatchDesign(t *testing.T) {
	table, err := designFlops(designDoc)
	if err != nil {
		t.Fatal(err)
	}
	for _, side := range []int{64, 128, 256, 512} {
		if _, ok := table[side]; !ok {
			t.Errorf("%s §6 has no row for side %d", designDoc, side)
		}
	}
	for side, want := range table {
		if got := flops("vgg19", side) / 1e9; got < want*0.995 || got > want*1.005 {
			t.Errorf("side %d: flops gives %.4g GFLOP, %s §6 says %v", side, got, designDoc, want)
		}
	}
}

// designFlops reads the first Markdown table of section 6 of the design
// notes at path and returns its "forward+backward GFLOP" column by the
// "side" column.
func designFlops(path string) (map[int]float64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var header []string
	out := map[int]float64{}
	inSection := false
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "## ") {
			if inSection && len(out) > 0 {
				break
			}
			inSection = strings.HasPrefix(line, "## 6.")
			continue
		}
		if !inSection {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			if len(out) > 0 {
				break // the end of the table
			}
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case header == nil:
			header = cells
		case strings.Trim(cells[0], ":-") == "":
			// the alignment row
		default:
			side, fwdBwd := -1, -1
			for i, h := range header {
				switch h {
				case "side":
					side = i
				case "forward+backward GFLOP":
					fwdBwd = i
				}
			}
			if side < 0 || fwdBwd < 0 || len(cells) != len(header) {
				return nil, fmt.Errorf("%s §6: table header %q: want columns \"side\" and \"forward+backward GFLOP\"", path, header)
			}
			s, err := strconv.Atoi(cells[side])
			if err != nil {
				return nil, fmt.Errorf("%s §6: side %q: %v", path, cells[side], err)
			}
			v, err := strconv.ParseFloat(cells[fwdBwd], 64)
			if err != nil {
				return nil, fmt.Errorf("%s §6: GFLOP %q: %v", path, cells[fwdBwd], err)
			}
			out[s] = v
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no FLOP table in section 6", path)
	}
	return out, nil
}
