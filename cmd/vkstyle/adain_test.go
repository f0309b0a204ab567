package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/stylize"
)

var (
	adainEnc = filepath.Join(fastImages, "adain-vgg.pth")
	adainDec = filepath.Join(fastImages, "adain-decoder.pth")
)

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Two styles blended, alpha and preserve-color, with the weights found
// in the cache under their published names.
func TestAdaINCommand(t *testing.T) {
	requireDevice(t)
	cache := t.TempDir()
	copyFile(t, adainEnc, filepath.Join(cache, "vgg_normalised.pth"))
	copyFile(t, adainDec, filepath.Join(cache, "decoder.pth"))
	t.Setenv("VKSTYLE_WEIGHTS_DIR", cache)
	out := filepath.Join(t.TempDir(), "out.png")
	styles := filepath.Join(fastImages, "style1.png") + "," + filepath.Join(fastImages, "style2.png")
	code, _, stderr := vkstyle(t, "adain", "-content", filepath.Join(fastImages, "content.png"), "-style", styles,
		"-style-blend", "7,3", "-alpha", "0.6", "-preserve-color", "-out", out)
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
	code, stdout, _ := vkstyle(t, "weights", "list")
	if code != 0 || !strings.Contains(stdout, "adain-encoder, naoto0804, for vkstyle adain") || !strings.Contains(stdout, "adain-decoder") {
		t.Errorf("weights list: exit %d: %s", code, stdout)
	}
}

func TestAdaINBadInput(t *testing.T) {
	requireDevice(t)
	t.Setenv("VKSTYLE_WEIGHTS_DIR", t.TempDir()) // empty
	dir := t.TempDir()
	content := filepath.Join(fastImages, "content.png")
	style := filepath.Join(fastImages, "style1.png")
	out := filepath.Join(dir, "o.png")
	tiny := filepath.Join(dir, "tiny.png")
	if err := stylize.Save(tiny, stylize.NewImage(8, 8), stylize.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	w := []string{"-encoder", adainEnc, "-decoder", adainDec}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{append([]string{"-content", content, "-out", out}, w...), []string{"-style is required"}},
		{[]string{"-content", content, "-style", style, "-out", out}, []string{"-encoder not given", "vkstyle weights fetch adain-encoder", "vgg_normalised.pth"}},
		{append([]string{"-content", content, "-style", style, "-out", out, "-alpha", "2"}, w...), []string{"-alpha 2"}},
		{append([]string{"-content", content, "-style", style, "-out", out, "-style-blend", "1,2"}, w...), []string{"2 weights for 1 style"}},
		{append([]string{"-content", content, "-style", tiny, "-out", out}, w...), []string{"tiny.png is 8×8", "at least 9×9"}},
		{append([]string{"-content", content, "-style", style, "-style-size", "100", "-max-pixels", "1000", "-out", out}, w...),
			[]string{"-style-size 100", "style1.png", "-max-pixels budget"}},
		{append([]string{"-content", content, "-style", filepath.Join(dir, "none.png"), "-out", out}, w...), []string{"none.png"}},
		{append([]string{"-content", content, "-style", style, "-out", style}, w...), []string{"-out", "is a -style image"}},
		{[]string{"-content", content, "-style", style, "-out", out, "-encoder", adainDec, "-decoder", adainEnc}, []string{"-encoder", "an AdaIN decoder", "give it to -decoder"}},
		{[]string{"-content", content, "-style", style, "-out", out, "-encoder", tnet, "-decoder", adainDec}, []string{"TransformerNet", "vkstyle fast -model"}},
	} {
		code, _, stderr := vkstyle(t, append([]string{"adain"}, c.args...)...)
		oneLineError(t, code, stderr, c.want...)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the failures left %d files in %s, want only tiny.png", len(entries), dir)
	}
}
