package main

import (
	"encoding/json"
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
	code, stdout, stderr = vkstyle(t, "bench", "-size", "32", "-steps", "1", "-model", "embedded", "-kernels", "shared", "-json")
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
	code, _, stderr = vkstyle(t, "bench", "-kernels", "fast")
	oneLineError(t, code, stderr, "-kernels")
}

// flops reproduces DESIGN.md §6's table for VGG19 to relu5_1.
func TestFlopsMatchDesign(t *testing.T) {
	for side, want := range map[int]float64{64: 6.20, 128: 24.8, 256: 99.2, 512: 397} {
		if got := flops("vgg19", side) / 1e9; got < want*0.995 || got > want*1.005 {
			t.Errorf("side %d: %.3g GFLOP, DESIGN says %v", side, got, want)
		}
	}
}
