package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/vgg"
	"github.com/vkstyle/vkstyle/vgg/vggtest"
)

// An explicit 0 (or a negative number) is an error naming the flag, never
// the silent default a zero means inside the library.
func TestRenderZeroIsNotDefault(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.png")
	for _, c := range []struct{ flag, value, want string }{
		{"-iterations", "0", "-iterations 0: give at least 1"},
		{"-iterations", "-3", "-iterations -3: give at least 1"},
		{"-history", "0", "-history 0: give at least 1"},
		{"-history", "-1", "-history -1: give at least 1"},
		{"-size", "0", "-size 0: give a longer side"},
		{"-lr", "0", "-lr 0: give a positive rate"},
		{"-lr", "-1", "-lr -1: give a positive rate"},
	} {
		code, _, stderr := vkstyle(t, small(out, c.flag, c.value)...)
		oneLineError(t, code, stderr, c.want)
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s %s: failed but wrote %s", c.flag, c.value, out)
			os.Remove(out)
		}
	}
}

// -preprocess overrides the convention the file name chose; auto keeps it.
func TestPreprocessFlag(t *testing.T) {
	for _, c := range []struct {
		flag string
		want vgg.Convention
	}{{"auto", vgg.Torchvision}, {"", vgg.Torchvision}, {"caffe", vgg.Caffe}, {"Torchvision", vgg.Torchvision}} {
		n, err := vgg.Load(vggtest.Testdata("tiny19.pth"), vggtest.Tiny19, nil)
		if err != nil {
			t.Fatal(err)
		}
		conv, err := parsePreprocess(c.flag)
		if err != nil {
			t.Fatalf("-preprocess %q: %v", c.flag, err)
		}
		if conv != nil {
			n.Convention = *conv
		}
		if n.Convention.Name != c.want.Name {
			t.Errorf("-preprocess %q: convention %s, want %s", c.flag, n.Convention.Name, c.want.Name)
		}
	}
	out := filepath.Join(t.TempDir(), "out.png")
	code, _, stderr := vkstyle(t, small(out, "-preprocess", "bgr")...)
	oneLineError(t, code, stderr, `-preprocess "bgr": give auto, torchvision or caffe`)
	code, _, stderr = vkstyle(t, small(out, "-preprocess", "caffe")...)
	oneLineError(t, code, stderr, "-preprocess caffe: the embedded model")
}

// -json numbers its records as neural-style-pt does, "Iteration k" being
// evaluation k: every iteration once, the last not a copy of the one
// before.
func TestRenderJSONNumbering(t *testing.T) {
	requireDevice(t)
	for _, opt := range []string{"lbfgs", "adam"} {
		out := filepath.Join(t.TempDir(), "out.png")
		args := small(out)
		args = append(args[:len(args)-1], "-optimizer", opt, "-json", "-print-every", "1") // not -quiet
		code, stdout, stderr := vkstyle(t, args...)
		if code != 0 {
			t.Fatalf("render -json: %d %s", code, stderr)
		}
		var losses []float64
		for i, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
			var rec struct {
				Iteration int
				Loss      float64
			}
			if err := json.Unmarshal([]byte(l), &rec); err != nil {
				t.Fatalf("not JSON: %q", l)
			}
			if rec.Iteration != i+1 {
				t.Errorf("%s: record %d is iteration %d", opt, i+1, rec.Iteration)
			}
			losses = append(losses, rec.Loss)
		}
		if len(losses) != 4 {
			t.Fatalf("%s: %d records for 4 iterations:\n%s", opt, len(losses), stdout)
		}
		if losses[3] == losses[2] {
			t.Errorf("%s: the last record repeats the one before: %v", opt, losses)
		}
	}
}

// A damaged cached VGG19 file: plain render fails on one line that names
// the file and the commands that check or replace it; -weights naming a
// directory says it is one.
func TestRenderDamagedWeights(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("VKSTYLE_WEIGHTS_DIR", dir)
	p := filepath.Join(dir, "vgg19-dcbb9e9d.pth")
	os.WriteFile(p, []byte(strings.Repeat("x", 156)), 0o644)
	out := filepath.Join(t.TempDir(), "out.png")
	code, _, stderr := vkstyle(t, "render", "-size", "32", "-iterations", "1", "-out", out)
	oneLineError(t, code, stderr, p, "vkstyle weights verify vgg19-dcbb9e9d.pth", "delete "+p)
	code, stdout, _ := vkstyle(t, "weights", "list", "-dir", dir)
	if code != 0 || !strings.Contains(stdout, "DAMAGED: 156 bytes") {
		t.Errorf("weights list of a 156-byte VGG19: %d %q", code, stdout)
	}
	code, _, stderr = vkstyle(t, "render", "-weights", dir, "-size", "32", "-iterations", "1", "-out", out)
	oneLineError(t, code, stderr, dir+": is a directory", "vgg19-dcbb9e9d.pth")
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a failed render wrote %s", out)
	}
}
