package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/stylize"
)

var (
	tnet       = filepath.Join("..", "..", "fast", "testdata", "tnet.pth")
	fastImages = filepath.Join("..", "..", "fast", "testdata")
)

// One image in, one image out, at the input's size (19×23: odd sides,
// which the network itself would return as 20×24).
func TestFastOneImage(t *testing.T) {
	requireDevice(t)
	out := filepath.Join(t.TempDir(), "out.png")
	code, _, stderr := vkstyle(t, "fast", "-model", tnet, "-content", filepath.Join(fastImages, "content.png"), "-out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	im, err := stylize.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if im.W != 19 || im.H != 23 {
		t.Errorf("result %d×%d, want the content's 19×23", im.W, im.H)
	}
	if !strings.Contains(stderr, "wrote "+out) {
		t.Errorf("stderr %q does not say what it wrote", stderr)
	}
}

// A directory in, a directory out: every image stylised (resized by
// -size), other files ignored; an undecodable image is one line and a
// failure status, and the others are still written.
func TestFastDirectory(t *testing.T) {
	requireDevice(t)
	in, out := t.TempDir(), filepath.Join(t.TempDir(), "styled")
	for _, name := range []string{"content.png", "style1.png"} {
		data, err := os.ReadFile(filepath.Join(fastImages, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(in, name), data, 0o644)
	}
	os.WriteFile(filepath.Join(in, "notes.txt"), []byte("not an image"), 0o644)
	code, _, stderr := vkstyle(t, "fast", "-model", tnet, "-content", in, "-out", out, "-size", "32", "-format", "jpg")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, name := range []string{"content.jpg", "style1.jpg"} {
		im, err := stylize.Load(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if max(im.W, im.H) != 32 {
			t.Errorf("%s is %d×%d, want the longer side 32", name, im.W, im.H)
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) != 2 {
		t.Errorf("%d files in the output directory, want 2", len(entries))
	}

	bad, _ := os.ReadFile(filepath.Join("..", "..", "testdata", "truncated.jpg"))
	os.WriteFile(filepath.Join(in, "broken.jpg"), bad, 0o644)
	code, _, stderr = vkstyle(t, "fast", "-model", tnet, "-content", in, "-out", out, "-quiet")
	if code != 1 || !strings.Contains(stderr, "broken.jpg") || !strings.Contains(stderr, "1 of 3 images failed") {
		t.Errorf("with a truncated image: exit %d, stderr %q; want 1, naming it and the count", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "broken.png")); err == nil {
		t.Error("a result was written for the broken image")
	}
}

func TestFastBadInput(t *testing.T) {
	requireDevice(t)
	dir := t.TempDir()
	content := filepath.Join(fastImages, "content.png")
	afile := filepath.Join(dir, "a.png")
	os.WriteFile(afile, []byte("x"), 0o644)
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"-content", content, "-out", filepath.Join(dir, "o.png")}, []string{"-model is required"}},
		{[]string{"-model", filepath.Join("..", "..", "testdata", "tiny19.pth"), "-content", content, "-out", filepath.Join(dir, "o.png")},
			[]string{"tiny19.pth", "VGG state dict", "vkstyle render -model"}},
		{[]string{"-model", filepath.Join(fastImages, "adain-decoder.pth"), "-content", content, "-out", filepath.Join(dir, "o.png")},
			[]string{"adain-decoder.pth", "vkstyle adain -decoder"}},
		{[]string{"-model", tnet, "-content", content, "-out", content}, []string{"-out", "is the -content image"}},
		{[]string{"-model", tnet, "-content", fastImages, "-out", afile}, []string{"-out", "is a file"}},
		{[]string{"-model", tnet, "-content", fastImages, "-out", fastImages}, []string{"is the -content directory"}},
		{[]string{"-model", tnet, "-content", filepath.Join(dir, "missing.png"), "-out", filepath.Join(dir, "o.png")}, []string{"-content", "missing.png"}},
		{[]string{"-model", tnet, "-content", content, "-out", filepath.Join(dir, "o.png"), "-size", "-3"}, []string{"-size -3"}},
		{[]string{"-model", tnet, "-content", filepath.Join("..", "..", "testdata", "bomb.png"), "-out", filepath.Join(dir, "o.png")}, []string{"bomb.png"}},
	} {
		code, _, stderr := vkstyle(t, append([]string{"fast"}, c.args...)...)
		oneLineError(t, code, stderr, c.want...)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the failures left %d files in %s, want only a.png", len(entries), dir)
	}
}
