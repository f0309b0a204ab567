package main

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// writePNG writes a w×h gray PNG of a fixed pattern.
func writePNG(t *testing.T, path string, w, h int) string {
	t.Helper()
	im := image.NewGray(image.Rect(0, 0, w, h))
	for i := range im.Pix {
		im.Pix[i] = uint8(i * 37)
	}
	return encodePNG(t, path, im)
}

// encodePNG writes im to path as a PNG and returns path.
func encodePNG(t *testing.T, path string, im image.Image) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, im); err != nil {
		t.Fatal(err)
	}
	return path
}

// Hostile or mistaken inputs and outputs each get one line naming the
// file or flag and the fix, a non-zero status, and leave the inputs as
// they were and no output behind (issue 13).
func TestRenderRefusesHostileInputs(t *testing.T) {
	requireDevice(t)
	dir := t.TempDir()
	good := writePNG(t, filepath.Join(dir, "good.png"), 40, 30)
	style := writePNG(t, filepath.Join(dir, "style.png"), 40, 40)
	thin := writePNG(t, filepath.Join(dir, "thin.png"), 1, 500)
	bomb := filepath.Join(dir, "bomb.png")
	os.WriteFile(bomb, mustRead(t, "../../testdata/bomb.png"), 0o644)
	notDir := filepath.Join(dir, "file.txt")
	os.WriteFile(notDir, []byte("x"), 0o644)
	outDir := filepath.Join(dir, "result.png")
	os.Mkdir(outDir, 0o755)
	link := filepath.Join(dir, "link.png")
	os.Symlink(good, link)
	out := filepath.Join(dir, "out.png")
	cases := []struct {
		args []string
		want []string
	}{
		// 1: decompression bombs, from the header, wherever an image is read.
		{[]string{"-content", bomb, "-style", style}, []string{bomb, "100000×100000", "10000 megapixels", "100 megapixels", "-max-pixels"}},
		{[]string{"-content", good, "-style", bomb}, []string{"style image " + bomb, "-max-pixels"}},
		{[]string{"-content", good, "-style", style, "-init", bomb}, []string{"-init image " + bomb, "-max-pixels"}},
		{[]string{"-content", good, "-style", style, "-max-pixels", "1000"}, []string{good, "40×30", "-max-pixels"}},
		{[]string{"-max-pixels", "0"}, []string{"-max-pixels 0"}},
		// 2: -style-scale is bounded, and the advice names -style-scale.
		{[]string{"-content", good, "-style", style, "-style-scale", "1000"}, []string{"style image " + style, "32000×32000", "use -style-scale 312 or less", "-max-pixels"}},
		{[]string{"-style-scale", "2000"}, []string{"style scale 2000", "at most 1024"}},
		// 5: the output would overwrite an input.
		{[]string{"-content", good, "-style", style, "-out", good}, []string{"-out " + good + " is the -content image", "give another -out"}},
		{[]string{"-content", good, "-style", style, "-out", filepath.Join(dir, ".", "style.png")}, []string{"is the -style image"}},
		{[]string{"-content", good, "-style", style, "-out", link}, []string{"link.png is the -content image"}}, // a link to it
		{[]string{"-content", good, "-style", style, "-init", out}, []string{"is the -init image"}},
		{[]string{"-content", good, "-style", style, "-checkpoint", good}, []string{"-checkpoint " + good + " is the -content image"}},
		{[]string{"-content", good, "-style", style, "-checkpoint", out}, []string{"is the output image"}},
		{[]string{"-content", filepath.Join(dir, "out_20.png"), "-style", style, "-save-every", "10"}, []string{"-save-every writes", "out_20.png"}},
		// 9: an unwritable checkpoint, found before the run.
		{[]string{"-checkpoint", filepath.Join(notDir, "run.ckpt")}, []string{"-checkpoint", "choose a writable checkpoint path"}},
		{[]string{"-checkpoint", dir}, []string{"-checkpoint " + dir + " is a directory"}},
		// 11: too small for the network, with the image or flag and the fix.
		{[]string{"-content", thin, "-style", style}, []string{"content image " + thin + " (1×500) becomes 1×32", "use -size 7750 or more"}},
		{[]string{"-content", good, "-style", style, "-size", "16"}, []string{"becomes 16×12 at -size 16", "use -size 21 or more"}},
		{[]string{"-content", good, "-style", style, "-scales", "12"}, []string{"at scale 1 of 12", "use -scales 2 or fewer"}},
		{[]string{"-content", good, "-style", thin, "-style-scale", "1e-9"}, []string{"style image " + thin + " (1×500) becomes 1×16", "use -style-scale 243 or more"}},
		{[]string{"-content", good, "-style", good, "-style-scale", "1e-9"}, []string{"style image " + good, "use -style-scale 0.657 or more"}},
		// 12: an existing directory as -out, before the run.
		{[]string{"-out", outDir}, []string{"-out " + outDir + " is a directory", "give a file name"}},
		// 14: blend weights whose sum overflows.
		{[]string{"-content", good, "-style", good + "," + style, "-style-blend", "1e308,1e308"}, []string{"style blend weights", "only their ratios matter"}},
	}
	before := map[string][]byte{}
	for _, p := range []string{good, style, thin, bomb, link} {
		before[p] = mustRead(t, p)
	}
	for _, c := range cases {
		code, _, stderr := vkstyle(t, small(out, c.args...)...) // a later -out wins
		oneLineError(t, code, stderr, c.want...)
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: failed but wrote %s", c.args, out)
			os.Remove(out)
		}
	}
	for p, b := range before {
		if string(mustRead(t, p)) != string(b) {
			t.Errorf("%s changed", p)
		}
	}
	if st, err := os.Stat(outDir); err != nil || !st.IsDir() {
		t.Errorf("-out directory %s: %v", outDir, err)
	}
}

// 16: a subdirectory named like an image inside a -style directory is
// skipped. 10: temporary files a killed save left beside the output are
// removed by the next run writing it; a live process's are kept.
func TestRenderStyleDirAndStaleTemps(t *testing.T) {
	requireDevice(t)
	dir := t.TempDir()
	styles := filepath.Join(dir, "styles")
	os.MkdirAll(filepath.Join(styles, "x.jpg"), 0o755)
	writePNG(t, filepath.Join(styles, "a.png"), 40, 40)
	out := filepath.Join(dir, "out.png")
	stale := filepath.Join(dir, ".out.png.tmp999999999-12")                   // no such pid
	live := filepath.Join(dir, ".out.png.tmp"+strconv.Itoa(os.Getpid())+"-3") // this process
	staleCkpt := filepath.Join(dir, ".out.png.ckpt.tmp999999999-5")
	for _, p := range []string{stale, live, staleCkpt} {
		os.WriteFile(p, []byte("half a png"), 0o600)
	}
	code, _, stderr := vkstyle(t, small(out, "-style", styles)...)
	if code != 0 {
		t.Fatalf("render with a subdirectory x.jpg among the styles: %s", stderr)
	}
	for p, want := range map[string]bool{stale: false, staleCkpt: false, live: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
}
