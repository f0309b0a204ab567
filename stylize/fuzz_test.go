package stylize

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzPixels is the pixel budget of the image fuzzer: large enough for
// every seed, small enough that no input it accepts costs much memory.
const fuzzPixels = 1 << 16

// Any bytes, as any image format: an error of one line, or an image within
// the pixel budget whose every sample is finite. Never a panic, and never
// memory beyond what the budget allows.
func FuzzDecodeImage(f *testing.F) {
	for _, name := range []string{"rgb.png", "rgb.gif", "rgb.bmp", "rgb.tiff", "rgb.webp", "gray.jpg", "cmyk.jpg", "exif6.jpg", "gray16.png", "alpha.png", "truncated.jpg", "bomb.png"} {
		b, err := os.ReadFile(sample(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		im, err := DecodeMax("fuzz.img", data, fuzzPixels)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") || !strings.HasPrefix(err.Error(), "fuzz.img: ") {
				t.Errorf("error not one line naming the file: %q", err)
			}
			return
		}
		if im.W < 1 || im.H < 1 || int64(im.W)*int64(im.H) > fuzzPixels || len(im.Pix) != 3*im.W*im.H {
			t.Fatalf("decoded %d×%d with %d samples", im.W, im.H, len(im.Pix))
		}
		for i, v := range im.Pix {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("sample %d is %v", i, v)
			}
		}
	})
}

// Any bytes as a checkpoint file (what LoadCheckpoint decodes after
// reading it): an error of one line naming the file,
// or a checkpoint whose counters and sizes are then checked against a run
// without a panic.
func FuzzCheckpoint(f *testing.F) {
	dir := f.TempDir()
	seed := func(c *Checkpoint) {
		p := filepath.Join(dir, "seed.ckpt")
		if err := SaveCheckpoint(p, c); err != nil {
			f.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	seed(&Checkpoint{Fingerprint: "abc", Scale: 0, Iteration: 2, Done: 2, W: 4, H: 3, X: make([]float32, 36), Optimizer: []byte("state")})
	seed(&Checkpoint{Scale: 1, Iteration: 1, Done: 5, W: 8, H: 6, X: make([]float32, 144),
		Adam: &AdamCarry{M: make([]float64, 36), V: make([]float64, 36), W: 4, H: 3, Steps: 4}})
	f.Add([]byte(checkpointMagic))
	sched := Schedule(Options{Size: 8, Scales: 2, Iterations: 4}.Defaults())
	f.Fuzz(func(t *testing.T, data []byte) {
		const p = "run.ckpt"
		c, err := decodeCheckpoint(p, data)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") || !strings.Contains(err.Error(), p) {
				t.Errorf("error not one line naming the file: %q", err)
			}
			return
		}
		if err := c.fits(sched, 8, 6); err != nil && strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("not one line: %q", err)
		}
	})
}
