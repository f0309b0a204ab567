package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The soak test: memory must not grow with the number of iterations. It is
// long (2000 iterations take 6 to 8 minutes per render case on a 2-core
// CPU through lavapipe, the preview's 12), so it runs only when
// $VKSTYLE_SOAK names the iterations:
//
//	VKSTYLE_SOAK=2000 go test -count=1 -run TestSoak -v -timeout 90m ./cmd/vkstyle
//
// Each case renders at 64 px with the embedded model and compares the
// resident set size after iteration 200 with that after the last one; they
// must differ by less than soakSlack. RSS swings by a few MB with the Go
// collector's cycle, so each end is the smallest RSS over soakWindow
// iterations (200 to 219, and the last 20): the memory kept, not where
// the cycle happens to be; both single readings are logged too. The
// cases: a plain L-BFGS render, the same with -save-every 1, and the live
// preview's frame path (under Xvfb, skipped without it).

// soakSlack is the most the resident set may grow between iteration 200
// and the last (issue 13: < 5 MB over 1800 iterations).
const soakSlack = 5 << 20

// soakWarm is the iteration whose RSS is the baseline.
const soakWarm = 200

// soakWindow is the number of iterations over which each end's RSS is the
// minimum.
const soakWindow = 20

func soakIterations(t *testing.T) int {
	t.Helper()
	v := os.Getenv("VKSTYLE_SOAK")
	if v == "" {
		t.Skip("the soak test runs only with VKSTYLE_SOAK=<iterations> (e.g. 2000)")
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= soakWarm {
		t.Fatalf("VKSTYLE_SOAK=%q: want a number of iterations above %d", v, soakWarm)
	}
	return n
}

// rss is the resident set size of process pid (0: this one) in bytes,
// from /proc/PID/status.
func rss(pid int) (int64, error) {
	p := "/proc/self/status"
	if pid > 0 {
		p = fmt.Sprintf("/proc/%d/status", pid)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("%s has no VmRSS", p)
}

// rssAt is an io.Writer for render's -json output (one record per
// iteration) that samples this process's RSS when each record arrives.
type rssAt struct {
	got map[int]int64
	buf []byte
	err error
}

func (w *rssAt) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := strings.IndexByte(string(w.buf), '\n')
		if i < 0 {
			return len(p), nil
		}
		var rep struct{ Iteration int }
		if json.Unmarshal(w.buf[:i], &rep) == nil {
			if _, seen := w.got[rep.Iteration]; !seen {
				r, err := rss(0)
				if err != nil && w.err == nil {
					w.err = err
				}
				w.got[rep.Iteration] = r
			}
		}
		w.buf = w.buf[i+1:]
	}
}

// windowMin is the smallest RSS sampled at iterations [from, to].
func windowMin(at map[int]int64, from, to int) int64 {
	var m int64
	for it, r := range at {
		if it >= from && it <= to && (m == 0 || r < m) {
			m = r
		}
	}
	return m
}

func checkSoak(t *testing.T, n int, at map[int]int64) {
	t.Helper()
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	if at[soakWarm] == 0 || at[n] == 0 {
		t.Fatalf("RSS not sampled at iterations %d and %d", soakWarm, n)
	}
	t.Logf("single readings: RSS %.1f MiB after iteration %d, %.1f MiB after %d: %+.2f MiB",
		mib(at[soakWarm]), soakWarm, mib(at[n]), n, mib(at[n]-at[soakWarm]))
	warm, last := windowMin(at, soakWarm, soakWarm+soakWindow-1), windowMin(at, n-soakWindow+1, n)
	grew := last - warm
	t.Logf("RSS %.1f MiB over iterations %d–%d, %.1f MiB over %d–%d (minima): %+.2f MiB (%+.0f bytes per iteration)",
		mib(warm), soakWarm, soakWarm+soakWindow-1, mib(last), n-soakWindow+1, n, mib(grew), float64(grew)/float64(n-soakWarm))
	if mid := windowMin(at, n/2, n/2+soakWindow-1); mid > 0 {
		t.Logf("RSS %.1f MiB over iterations %d–%d: %+.2f MiB in the first half, %+.2f MiB in the second",
			mib(mid), n/2, n/2+soakWindow-1, mib(mid-warm), mib(last-mid))
	}
	if grew >= soakSlack || -grew >= soakSlack {
		t.Errorf("RSS changed by %.2f MiB between iterations %d and %d; the limit is %d MiB", float64(grew)/(1<<20), soakWarm, n, soakSlack>>20)
	}
}

func TestSoak(t *testing.T) {
	n := soakIterations(t)
	requireDevice(t)
	for _, tc := range []struct {
		name  string
		extra []string
	}{
		{"render", nil},
		{"save-every-1", []string{"-save-every", "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"render", "-model", "embedded", "-size", "64", "-iterations", strconv.Itoa(n),
				"-json", "-print-every", "1", "-out", filepath.Join(dir, "out.png")}, tc.extra...)
			w := &rssAt{got: map[int]int64{}}
			var errOut strings.Builder
			if code := run(args, w, &errOut); code != 0 {
				t.Fatalf("render failed (%d): %s", code, errOut.String())
			}
			if w.err != nil {
				t.Fatal(w.err)
			}
			checkSoak(t, n, w.got)
		})
	}
	t.Run("preview", func(t *testing.T) {
		display := xvfb(t)
		done, _ := startPreview(t, display, "-model", "embedded", "-size", "64", "-iterations", strconv.Itoa(n), "-quiet")
		win, _, iteration, key := previewWindow(t, display)
		pid := windowPID(t, display, win)
		at := map[int]int64{}
		limit := time.Duration(n) * time.Second // far above lavapipe's 5–10 iterations/s
		sample := func(from, to int) {          // every 100 ms while the title shows from…to
			poll(t, fmt.Sprintf("iteration %d", from), limit, func() bool { return iteration() >= from })
			for {
				it := iteration()
				r, err := rss(pid)
				if err != nil {
					t.Fatal(err)
				}
				if _, seen := at[from]; !seen {
					at[from] = r // the first reading stands for the window's start
				}
				if _, seen := at[it]; !seen {
					at[it] = r
				}
				if it >= to {
					at[to] = r
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		sample(soakWarm, soakWarm+soakWindow-1)
		sample(n/2, n/2+soakWindow-1)
		sample(n-soakWindow+1, n)
		quit(t, key, done)
		checkSoak(t, n, at)
	})
}

// windowPID is the process that owns X window win (_NET_WM_PID, which
// GLFW sets).
func windowPID(t *testing.T, display, win string) int {
	t.Helper()
	pid, err := strconv.Atoi(x(t, display, "xdotool", "getwindowpid", win))
	if err != nil {
		t.Fatalf("xdotool getwindowpid %s: %v", win, err)
	}
	return pid
}
