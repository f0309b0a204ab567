package stylize

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkPicture checks the fixtures' 16×8 picture: red left, blue right.
func checkPicture(t *testing.T, name string, im *Image, tol float32) {
	t.Helper()
	if im.W != 16 || im.H != 8 {
		t.Fatalf("%s: %d×%d, want 16×8 (orientation lost?)", name, im.W, im.H)
	}
	near := func(a, b float32) bool { return float32(math.Abs(float64(a-b))) <= tol }
	for _, p := range []struct {
		x, y    int
		r, g, b float32
	}{{2, 1, 1, 0, 0}, {13, 6, 0, 0, 1}} {
		if !near(im.At(0, p.x, p.y), p.r) || !near(im.At(1, p.x, p.y), p.g) || !near(im.At(2, p.x, p.y), p.b) {
			t.Errorf("%s: pixel (%d,%d) = (%v,%v,%v), want (%v,%v,%v)", name, p.x, p.y,
				im.At(0, p.x, p.y), im.At(1, p.x, p.y), im.At(2, p.x, p.y), p.r, p.g, p.b)
		}
	}
}

// sample is the path of a sample image: rgb.png, truncated.jpg and
// bomb.png, which cmd/vkstyle's tests read too, are in the top-level
// testdata/, the rest in stylize's.
func sample(name string) string {
	switch name {
	case "rgb.png", "truncated.jpg", "bomb.png":
		return filepath.Join("..", "testdata", name)
	}
	return filepath.Join("testdata", name)
}

func TestLoadFormats(t *testing.T) {
	for _, f := range []string{"rgb.png", "rgb.bmp", "rgb.tiff", "rgb.webp", "rgb.gif"} {
		im, err := Load(sample(f))
		if err != nil {
			t.Fatal(err)
		}
		checkPicture(t, f, im, 0)
	}
	for _, f := range []string{"cmyk.jpg", "exif6.jpg"} {
		im, err := Load(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		checkPicture(t, f, im, 0.08) // JPEG rounding at the colour edge
	}
}

func TestLoadGrayAnd16Bit(t *testing.T) {
	im, err := Load("testdata/gray.jpg")
	if err != nil {
		t.Fatal(err)
	}
	for c := 0; c < 3; c++ {
		if v := im.At(c, 1, 1); math.Abs(float64(v)-50.0/255) > 2.0/255 {
			t.Errorf("gray.jpg channel %d = %v, want 50/255", c, v)
		}
	}
	im, err = Load("testdata/gray16.png")
	if err != nil {
		t.Fatal(err)
	}
	// 1000/65535 is not representable in 8 bits: 16-bit precision is kept.
	if v := im.At(1, 1, 1); math.Abs(float64(v)-1000.0/65535) > 1e-6 {
		t.Errorf("gray16.png = %v, want %v", v, 1000.0/65535)
	}
	if v := im.At(2, 12, 1); math.Abs(float64(v)-30000.0/65535) > 1e-6 {
		t.Errorf("gray16.png right = %v, want %v", v, 30000.0/65535)
	}
}

func TestAlphaFlattensOntoWhite(t *testing.T) {
	im, err := Load("testdata/alpha.png")
	if err != nil {
		t.Fatal(err)
	}
	if im.At(0, 1, 1) != 1 || im.At(1, 1, 1) != 0 || im.At(2, 1, 1) != 0 {
		t.Errorf("opaque red became (%v,%v,%v)", im.At(0, 1, 1), im.At(1, 1, 1), im.At(2, 1, 1))
	}
	for c := 0; c < 3; c++ {
		if v := im.At(c, 12, 1); v != 1 {
			t.Errorf("transparent pixel channel %d = %v, want white", c, v)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := map[string][]string{
		filepath.Join(dir, "missing.png"):            {"missing.png", "no such file"},
		write("empty.png", nil):                      {"empty.png", "empty file"},
		write("notes.txt", []byte("hello, world\n")): {"notes.txt", "not an image", "PNG, JPEG"},
		"../testdata/truncated.jpg":                  {"truncated.jpg", "corrupt or truncated"},
	}
	for path, want := range cases {
		_, err := Load(path)
		if err == nil {
			t.Errorf("%s loaded", path)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", path, err, w)
			}
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is not one line: %q", path, err)
		}
	}
}

func TestSaveRoundTripAndAtomic(t *testing.T) {
	im, _ := Load("testdata/gray16.png")
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		o    SaveOptions
		tol  float64
	}{{"a.png", SaveOptions{}, 0.5 / 255}, {"b.png", SaveOptions{Bits: 16}, 0.5 / 65535}, {"c.jpg", SaveOptions{Quality: 100}, 3.0 / 255}} {
		p := filepath.Join(dir, c.name)
		if err := Save(p, im, c.o); err != nil {
			t.Fatal(err)
		}
		back, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if d := math.Abs(float64(back.At(0, 1, 1) - im.At(0, 1, 1))); d > c.tol {
			t.Errorf("%s: round trip off by %g (tolerance %g)", c.name, d, c.tol)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	for _, bad := range []struct {
		path string
		o    SaveOptions
		want string
	}{
		{filepath.Join(dir, "x.gif"), SaveOptions{}, "use .png, .jpg"},
		{filepath.Join(dir, "x.png"), SaveOptions{Bits: 12}, "8 or 16 bits"},
		{filepath.Join(dir, "no-such-dir", "x.png"), SaveOptions{}, "choose a writable output path"},
	} {
		if err := Save(bad.path, im, bad.o); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Save(%s): %v, want %q", bad.path, err, bad.want)
		}
		if _, err := os.Stat(bad.path); err == nil {
			t.Errorf("Save(%s) failed but left a file", bad.path)
		}
	}
}

func TestResizeAndFit(t *testing.T) {
	im, _ := Load("../testdata/rgb.png")
	small := im.Resize(8, 4)
	checkPicture(t, "resized", small.Resize(16, 8), 0.2)
	for _, c := range [][5]int{{1024, 768, 512, 512, 384}, {300, 600, 128, 64, 128}, {5000, 10, 512, 512, 1}} {
		if w, h := FitSide(c[0], c[1], c[2]); w != c[3] || h != c[4] {
			t.Errorf("FitSide(%d,%d,%d) = %d,%d want %d,%d", c[0], c[1], c[2], w, h, c[3], c[4])
		}
	}
}

// A file whose header claims more pixels than the budget is refused from
// the header, before any decoding: one line naming the file, its size and
// the flag that raises the budget.
func TestLoadPixelBudget(t *testing.T) {
	_, err := Load("../testdata/bomb.png")
	var pe *PixelBudgetError
	if !errors.As(err, &pe) {
		t.Fatalf("bomb.png: %v, want a *PixelBudgetError", err)
	}
	for _, w := range []string{"bomb.png", "100000×100000", "10000 megapixels", "100 megapixels", "-max-pixels"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	// The budget is a bound: 16×8 loads with 128 pixels, not with 127.
	if _, err := LoadMax("../testdata/rgb.png", 128); err != nil {
		t.Errorf("16×8 within 128 pixels: %v", err)
	}
	if _, err := LoadMax("../testdata/rgb.png", 127); !errors.As(err, &pe) {
		t.Errorf("16×8 within 127 pixels: %v, want a *PixelBudgetError", err)
	}
	im, err := Load("../testdata/rgb.png")
	if err != nil || im.Name != "../testdata/rgb.png" {
		t.Errorf("Load names the image %q (%v)", im.Name, err)
	}
	if _, err := Load("testdata"); err == nil || !strings.Contains(err.Error(), "a directory") {
		t.Errorf("loading a directory: %v", err)
	}
}
