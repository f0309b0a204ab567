package stylize

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // decoders register themselves
	_ "image/jpeg"
	_ "image/png"
	"io/fs"
	"os"

	"github.com/disintegration/imaging"
	_ "golang.org/x/image/bmp"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// Image is an RGB image with float32 samples in [0, 1], stored planar
// (all of R, then G, then B: the 3×H×W layout graph tensors use).
type Image struct {
	W, H int
	Pix  []float32 // 3·W·H
}

// NewImage returns a black w×h image.
func NewImage(w, h int) *Image { return &Image{W: w, H: h, Pix: make([]float32, 3*w*h)} }

// At returns the sample of channel c (0 R, 1 G, 2 B) at (x, y).
func (im *Image) At(c, x, y int) float32 { return im.Pix[(c*im.H+y)*im.W+x] }

// Set sets the sample of channel c at (x, y).
func (im *Image) Set(c, x, y int, v float32) { im.Pix[(c*im.H+y)*im.W+x] = v }

// Clone returns a copy of im.
func (im *Image) Clone() *Image {
	return &Image{W: im.W, H: im.H, Pix: append([]float32(nil), im.Pix...)}
}

// Formats names the image formats Load reads.
const Formats = "PNG, JPEG, WebP, TIFF, BMP or GIF"

// Load reads an image file. EXIF orientation is applied (JPEG, TIFF);
// 16-bit PNG and TIFF keep their precision; grayscale and CMYK JPEG are
// converted to RGB; transparent pixels are flattened onto white (the
// colour a transparent picture shows on a page), so the network never sees
// the undefined colours under alpha 0. Errors name the file and the fix.
func Load(path string) (*Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file: check the path", path)
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return Decode(path, data)
}

// Decode decodes an encoded image; name is used in errors.
func Decode(name string, data []byte) (*Image, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%s: empty file: give a %s image", name, Formats)
	}
	if _, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, fmt.Errorf("%s: not an image vkstyle reads: give a %s image", name, Formats)
		}
		return nil, fmt.Errorf("%s: corrupt or truncated image (%v): re-export or re-download it", name, err)
	}
	src, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
	if err != nil {
		return nil, fmt.Errorf("%s: corrupt or truncated image (%v): re-export or re-download it", name, err)
	}
	b := src.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, fmt.Errorf("%s: the image has no pixels", name)
	}
	return fromImage(src), nil
}

// fromImage converts any image.Image to float RGB, compositing
// (premultiplied) colour over white.
func fromImage(src image.Image) *Image {
	b := src.Bounds()
	im := NewImage(b.Dx(), b.Dy())
	n := im.W * im.H
	for y := 0; y < im.H; y++ {
		for x := 0; x < im.W; x++ {
			r, g, bl, a := src.At(b.Min.X+x, b.Min.Y+y).RGBA() // premultiplied, 16-bit
			white := float32(0xffff-a) / 0xffff
			i := y*im.W + x
			im.Pix[i] = float32(r)/0xffff + white
			im.Pix[n+i] = float32(g)/0xffff + white
			im.Pix[2*n+i] = float32(bl)/0xffff + white
		}
	}
	return im
}

// toRGBA64 converts im to a 16-bit image (samples clamped to [0, 1]).
func (im *Image) toRGBA64() *image.RGBA64 {
	out := image.NewRGBA64(image.Rect(0, 0, im.W, im.H))
	n := im.W * im.H
	for y := 0; y < im.H; y++ {
		for x := 0; x < im.W; x++ {
			i := y*im.W + x
			out.SetRGBA64(x, y, color.RGBA64{to16(im.Pix[i]), to16(im.Pix[n+i]), to16(im.Pix[2*n+i]), 0xffff})
		}
	}
	return out
}

func to16(v float32) uint16 {
	switch {
	case !(v > 0): // also NaN
		return 0
	case v >= 1:
		return 0xffff
	}
	return uint16(v*0xffff + 0.5)
}

// Resize returns im scaled to w×h with a Catmull-Rom filter (through 16-bit
// samples). Resizing to the same size returns a copy.
func (im *Image) Resize(w, h int) *Image {
	if w == im.W && h == im.H {
		return im.Clone()
	}
	dst := image.NewRGBA64(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), im.toRGBA64(), image.Rect(0, 0, im.W, im.H), draw.Src, nil)
	return fromImage(dst)
}

// FitSide returns the size of a w×h image scaled so that its longer side
// is side pixels, keeping the aspect ratio (each side at least 1).
func FitSide(w, h, side int) (int, int) {
	if w >= h {
		return side, max(1, int(float64(h)*float64(side)/float64(w)+0.5))
	}
	return max(1, int(float64(w)*float64(side)/float64(h)+0.5)), side
}
