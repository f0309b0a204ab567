package main

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// preview -adain shows the result, - lowers alpha and shows the new
// result at once, and q saves what the window shows: the same bytes as
// `vkstyle adain` writes with that alpha.
func TestPreviewAdaINUnderXvfb(t *testing.T) {
	requireDevice(t)
	display := xvfb(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.png")
	content, style := filepath.Join(fastImages, "content.png"), filepath.Join(fastImages, "style1.png")
	done, stderr := startPreview(t, display, "-adain", "-encoder", adainEnc, "-decoder", adainDec,
		"-content", content, "-style", style, "-size", "40", "-out", out)
	win, title, _, key := previewWindow(t, display)
	capture := func(name string) *image.RGBA {
		p := filepath.Join(dir, name+".png")
		x(t, display, "import", "-window", win, p)
		return decodeRGBA(t, p)
	}
	poll(t, "the first pass", 30*time.Second, func() bool { return strings.Contains(title(), "alpha 1.0") && strings.Contains(title(), "a pass") })
	first := capture("alpha10")
	key("minus")
	poll(t, "alpha 0.9", 10*time.Second, func() bool { return strings.Contains(title(), "alpha 0.9") })
	// The new result, once two captures in a row agree: a capture taken
	// while the window redraws can show a frame between the two (a CI run
	// compared one such with the saved image).
	var second, prev *image.RGBA
	poll(t, "the new result", 10*time.Second, func() bool {
		prev, second = second, capture("alpha09")
		return !bytes.Equal(first.Pix, second.Pix) && prev != nil && bytes.Equal(prev.Pix, second.Pix)
	})
	quit(t, key, done)
	saved := decodeRGBA(t, out)
	if worst, where := showsDiff(second, saved); worst > 1.5 {
		t.Errorf("the window does not show the saved image: worst difference %.1f at %s", worst, where)
	}
	want := filepath.Join(dir, "want.png")
	code, _, errText := vkstyle(t, "adain", "-encoder", adainEnc, "-decoder", adainDec, "-content", content, "-style", style,
		"-size", "40", "-alpha", "0.9", "-out", want, "-quiet")
	if code != 0 {
		t.Fatalf("adain: exit %d: %s", code, errText)
	}
	if !bytes.Equal(mustRead(t, out), mustRead(t, want)) {
		t.Errorf("preview's saved image differs from vkstyle adain -alpha 0.9's")
	}
	if strings.Contains(stderr.String(), "validation") {
		t.Errorf("validation messages:\n%s", stderr.String())
	}
}

// preview -fast runs a TransformerNet and saves its result on q.
func TestPreviewFastUnderXvfb(t *testing.T) {
	requireDevice(t)
	display := xvfb(t)
	out := filepath.Join(t.TempDir(), "out.png")
	done, _ := startPreview(t, display, "-fast", tnet, "-size", "32", "-out", out)
	_, title, _, key := previewWindow(t, display)
	poll(t, "the first pass", 30*time.Second, func() bool { return strings.Contains(title(), "a pass") })
	quit(t, key, done)
	if _, err := os.Stat(out); err != nil {
		t.Errorf("quitting did not save -out: %v", err)
	}
}

func TestPreviewFeedBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-adain", "-fast", tnet}, "exactly one of -adain and -fast"},
		{[]string{"-adain=false"}, "exactly one of -adain and -fast"},
		{[]string{"-fast", tnet, "-style", "x.png"}, "style built in"},
		{[]string{"-adain", "-alpha", "-1"}, "-alpha -1"},
	} {
		code, _, stderr := vkstyle(t, append([]string{"preview"}, c.args...)...)
		oneLineError(t, code, stderr, c.want)
	}
}

func TestFeedPreviewMode(t *testing.T) {
	for args, want := range map[string]bool{
		"-adain": true, "--adain": true, "-adain=true": true, "-fast x.pth": true, "--fast=x.pth": true,
		"-content a.png -style b.png": false, "-out fast.png": false, "-- -fast": false, "-model embedded": false,
	} {
		if got := feedPreviewMode(strings.Fields(args)); got != want {
			t.Errorf("%q: %v, want %v", args, got, want)
		}
	}
}
