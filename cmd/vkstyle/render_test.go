package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// small is a quick quiet render on lavapipe: the embedded model at 32
// pixels.
func small(out string, extra ...string) []string {
	return append([]string{"render", "-model", "embedded", "-size", "32", "-iterations", "4", "-out", out, "-quiet"}, extra...)
}

func TestRenderWritesImage(t *testing.T) {
	requireDevice(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.png")
	code, _, stderr := vkstyle(t, small(out, "-save-every", "2", "-bits", "16")...)
	if code != 0 {
		t.Fatalf("render: %d %s", code, stderr)
	}
	for _, p := range []string{out, filepath.Join(dir, "out_2.png")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("missing %s: %v", p, err)
		}
	}
	if _, err := os.Stat(out + ".ckpt"); err == nil {
		t.Errorf("a finished run left a checkpoint")
	}
}

func TestRenderJSON(t *testing.T) {
	requireDevice(t)
	out := filepath.Join(t.TempDir(), "out.png")
	args := small(out)
	args = append(args[:len(args)-1], "-json", "-print-every", "2") // not quiet
	code, stdout, stderr := vkstyle(t, args...)
	if code != 0 {
		t.Fatalf("render -json: %d %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) < 2 {
		t.Fatalf("want a JSON object per report, got %q", stdout)
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		if _, ok := rec["loss"]; !ok {
			t.Errorf("report without loss: %q", l)
		}
	}
}

// Each bad input is one line on stderr, a non-zero status and no output.
func TestRenderBadInput(t *testing.T) {
	requireDevice(t)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		return p
	}
	good := write("good.png", mustRead(t, "../../testdata/rgb.png"))
	trunc := write("trunc.jpg", mustRead(t, "../../testdata/truncated.jpg"))
	text := write("notes.png", []byte("not an image"))
	empty := write("empty.png", nil)
	out := filepath.Join(dir, "out.png")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-content", filepath.Join(dir, "nope.jpg"), "-style", good}, "no such file"},
		{[]string{"-content", trunc, "-style", good}, "corrupt or truncated"},
		{[]string{"-content", good, "-style", text}, "not an image vkstyle reads"},
		{[]string{"-content", empty, "-style", good}, "empty file"},
		{[]string{"-content", good, "-style", good + "," + good, "-style-blend", "1"}, "2 style images"},
		{[]string{"-content-layers", "relu9_9"}, `"relu9_9" is not a layer`},
		{[]string{"-style-weight", "-1"}, "style weight -1"},
		{[]string{"-content-weight", "NaN"}, "content weight NaN"},
		{[]string{"-out", filepath.Join(dir, "no", "such", "dir", "x.png")}, "choose a writable output path"},
		{[]string{"-out", filepath.Join(dir, "x.gif")}, "use a .png, .jpg"},
		{[]string{"-size", "30000"}, "use -size"},
		{[]string{"-optimizer", "sgd"}, "optimizer \"sgd\""},
		{[]string{"-scales", "zero"}, "-scales"},
	}
	for _, c := range cases {
		args := small(out, c.args...)
		code, _, stderr := vkstyle(t, args...)
		oneLineError(t, code, stderr, c.want)
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: failed but wrote %s", c.args, out)
			os.Remove(out)
		}
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Ctrl-C writes the image so far and a checkpoint; -resume finishes the
// run with the bits of an uninterrupted one.
func TestRenderInterruptAndResume(t *testing.T) {
	asChild()
	requireDevice(t)
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.png")
	base := []string{"render", "-model", "embedded", "-size", "32", "-iterations", "60", "-seed", "7"} // long enough that SIGINT lands mid-run
	if code, _, stderr := vkstyle(t, append(base, "-quiet", "-out", whole)...); code != 0 {
		t.Fatal(stderr)
	}
	out := filepath.Join(dir, "stopped.png")
	stderr, err := stopChild(t, "TestRenderInterruptAndResume", append(base, "-json", "-print-every", "1", "-out", out), syscall.SIGINT)
	if err == nil {
		t.Fatalf("an interrupted run exited 0")
	}
	if !strings.Contains(stderr, "-resume") {
		t.Errorf("the stop message does not say how to resume: %q", stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatalf("no image after Ctrl-C: %v", err)
	}
	code, _, serr := vkstyle(t, append(base, "-quiet", "-out", out, "-resume", out+".ckpt")...)
	if code != 0 {
		t.Fatalf("resume: %s", serr)
	}
	if !bytes.Equal(mustRead(t, out), mustRead(t, whole)) {
		t.Errorf("the resumed image differs from the uninterrupted one")
	}
}

// A diverging run stops with an error and leaves the last good image.
func TestRenderNaNKeepsLastGoodImage(t *testing.T) {
	requireDevice(t)
	out := filepath.Join(t.TempDir(), "out.png")
	code, _, stderr := vkstyle(t, small(out, "-optimizer", "adam", "-lr", "1e30")...)
	oneLineError(t, code, stderr, "diverged", "lower -lr", "last good image is in "+out)
	if _, err := os.Stat(out); err != nil {
		t.Errorf("no last good image: %v", err)
	}
}

// VGG19 without cached weights: the error names the command that fetches
// them and where a manual download goes.
func TestRenderMissingWeights(t *testing.T) {
	t.Setenv("VKSTYLE_WEIGHTS_DIR", t.TempDir())
	out := filepath.Join(t.TempDir(), "out.png")
	code, _, stderr := vkstyle(t, "render", "-model", "vgg19", "-size", "32", "-out", out)
	oneLineError(t, code, stderr, "vkstyle weights fetch vgg19", "vgg19-dcbb9e9d.pth")
	if _, err := os.Stat(out); err == nil {
		t.Error("wrote an image without weights")
	}
}

// stopChild runs `vkstyle args...` in a child process (the test binary
// rerunning test, which hands args to run when VKSTYLE_TEST_CHILD is set),
// sends it sig once its first progress line is out, and returns how it
// exited: its standard error and its exit error. The child must print progress
// (-json -print-every 1) and stop within a minute of the signal.
// asChild, in the process stopChild starts, runs the vkstyle command line
// it was given and exits with its status; in the test itself it returns.
func asChild() {
	if os.Getenv("VKSTYLE_TEST_CHILD") == "1" {
		args := os.Args[len(os.Args)-1]
		os.Exit(run(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
	}
}

func stopChild(t *testing.T, test string, args []string, sig syscall.Signal) (stderrText string, err error) {
	t.Helper()
	child := exec.Command(os.Args[0], "-test.run=^"+test+"$", strings.Join(args, "\x1f"))
	child.Env = append(os.Environ(), "VKSTYLE_TEST_CHILD=1")
	stdout, _ := child.StdoutPipe()
	var stderr bytes.Buffer
	child.Stderr = &stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatalf("no progress from the child: %s", stderr.String())
	}
	child.Process.Signal(sig)
	for sc.Scan() {
	}
	done := make(chan error, 1)
	go func() { done <- child.Wait() }()
	select {
	case err := <-done:
		return stderr.String(), err
	case <-time.After(60 * time.Second):
		child.Process.Kill()
		t.Fatalf("the child did not stop after %v", sig)
	}
	return "", nil
}

// -pooling l2 (crowsonkb's) renders; an unknown pooling names the three.
func TestRenderL2Pooling(t *testing.T) {
	requireDevice(t)
	out := filepath.Join(t.TempDir(), "out.png")
	if code, _, stderr := vkstyle(t, small(out, "-pooling", "l2")...); code != 0 {
		t.Fatalf("render -pooling l2: %d %s", code, stderr)
	}
	os.Remove(out)
	code, _, stderr := vkstyle(t, small(out, "-pooling", "l3")...)
	oneLineError(t, code, stderr, `-pooling`, `"l3"`, `max, avg or l2`)
}
