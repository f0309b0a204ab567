package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Tiling's bad input is one line naming the flag, before any work.
func TestRenderTileBadInput(t *testing.T) {
	requireDevice(t)
	out := filepath.Join(t.TempDir(), "out.png")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-tile", "8"}, "-tile 8: give a multiple of 16 of at least 80"},
		{[]string{"-tile", "big"}, `-tile "big": give auto, off or a tile side`},
		{[]string{"-tile-halo", "-2"}, `-tile-halo "-2": give a number of pixels`},
		{[]string{"-memory-limit", "-1"}, "-memory-limit -1: give the most device memory"},
		{[]string{"-memory-limit", "1"}, "too small for even one tile"},
		{[]string{"-memory-limit", "1", "-tile", "off"}, "within -memory-limit 1 MiB"},
		{[]string{"-memory-limit", "1", "-normalize-gradients"}, "-normalize-gradients cannot be tiled"},
	} {
		code, _, stderr := vkstyle(t, small(out, c.args...)...)
		oneLineError(t, code, stderr, c.want)
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: failed but wrote %s", c.args, out)
			os.Remove(out)
		}
	}
}

// A tiled run says how it tiles, reports the device memory it held, and
// a tiled run stopped by Ctrl-C resumes to the bits of an uninterrupted
// one (the grid's moves come from the seed and the evaluation).
func TestRenderTiledResume(t *testing.T) {
	asChild()
	requireDevice(t)
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.png")
	base := []string{"render", "-model", "embedded", "-size", "96", "-tile", "64", "-tile-halo", "16", "-iterations", "12", "-seed", "7"}
	code, stdout, stderr := vkstyle(t, append(base, "-json", "-print-every", "12", "-out", whole)...)
	if code != 0 {
		t.Fatal(stderr)
	}
	if !strings.Contains(stderr, "vkstyle: scale 1/1 (96×72) in 3 tiles of 64×72 pixels (halo 16)") {
		t.Errorf("stderr %q does not say how the run tiles", stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rec); err != nil {
		t.Fatal(err)
	}
	if peak, ok := rec["device_peak_bytes"].(float64); !ok || peak <= 0 {
		t.Errorf("the last report %q has no device_peak_bytes", lines[len(lines)-1])
	}
	out := filepath.Join(dir, "stopped.png")
	if _, err := stopChild(t, "TestRenderTiledResume", append(base, "-json", "-print-every", "1", "-out", out), syscall.SIGINT); err == nil {
		t.Fatalf("an interrupted run exited 0")
	}
	if code, _, serr := vkstyle(t, append(base, "-quiet", "-out", out, "-resume", out+".ckpt")...); code != 0 {
		t.Fatalf("resume: %s", serr)
	}
	if !bytes.Equal(mustRead(t, out), mustRead(t, whole)) {
		t.Errorf("the resumed tiled image differs from the uninterrupted one")
	}
}
