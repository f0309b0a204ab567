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
	"strconv"

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
	// Name is the file the image was loaded from, for messages; empty
	// for an image made in memory. Clone keeps it, Resize does not.
	Name string
}

// NewImage returns a black w×h image.
func NewImage(w, h int) *Image { return &Image{W: w, H: h, Pix: make([]float32, 3*w*h)} }

// At returns the sample of channel c (0 R, 1 G, 2 B) at (x, y).
func (im *Image) At(c, x, y int) float32 { return im.Pix[(c*im.H+y)*im.W+x] }

// Set sets the sample of channel c at (x, y).
func (im *Image) Set(c, x, y int, v float32) { im.Pix[(c*im.H+y)*im.W+x] = v }

// Clone returns a copy of im.
func (im *Image) Clone() *Image {
	return &Image{W: im.W, H: im.H, Pix: append([]float32(nil), im.Pix...), Name: im.Name}
}

// Formats names the image formats Load reads.
const Formats = "PNG, JPEG, WebP, TIFF, BMP or GIF"

// DefaultMaxPixels is the pixel budget of Load and Decode, and of the
// images a run resizes to (Options.MaxPixels): 100 megapixels, more than
// any camera's picture (61 MP full frame, 100 MP medium format) and about
// 3 GB of host memory while it is decoded and converted. A larger image
// is refused from its header, before anything is decoded, so a
// "decompression bomb" (a small file whose header claims a huge image)
// costs nothing.
const DefaultMaxPixels = 100_000_000

// bytesPerPixelMax bounds an image file's size by its pixels: 16-bit RGBA
// stored uncompressed is 8 bytes a pixel; metadata (EXIF, ICC profiles)
// gets the slack of fileSlack.
const (
	bytesPerPixelMax = 8
	fileSlack        = 64 << 20
)

// PixelBudgetError reports an image whose header claims more pixels than
// the budget allows.
type PixelBudgetError struct {
	Name      string
	W, H      int
	MaxPixels int64
}

func (e *PixelBudgetError) Error() string {
	return fmt.Sprintf("%s: %d×%d is %s, over the pixel budget of %s: downscale the image, or raise the budget with -max-pixels",
		e.Name, e.W, e.H, megapixels(int64(e.W)*int64(e.H)), megapixels(e.MaxPixels))
}

// megapixels formats a pixel count for messages: "10000 megapixels",
// "1.329 megapixels".
func megapixels(n int64) string {
	if mp := float64(n) / 1e6; mp >= 1000 {
		return strconv.FormatFloat(mp, 'f', 0, 64) + " megapixels"
	}
	return strconv.FormatFloat(float64(n)/1e6, 'g', 4, 64) + " megapixels"
}

// Load reads an image file within DefaultMaxPixels; see LoadMax.
func Load(path string) (*Image, error) { return LoadMax(path, DefaultMaxPixels) }

// LoadMax reads an image file of at most maxPixels pixels (checked from
// the header before decoding; 0 means DefaultMaxPixels). EXIF orientation
// is applied (JPEG, TIFF); 16-bit PNG and TIFF keep their precision;
// grayscale and CMYK JPEG are converted to RGB; transparent pixels are
// flattened onto white (the colour a transparent picture shows on a page),
// so the network never sees the undefined colours under alpha 0. The
// image's Name is path. Errors name the file and the fix.
func LoadMax(path string, maxPixels int64) (*Image, error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file: check the path", path)
		}
		return nil, fmt.Errorf("%s: %v", path, unwrapPathErr(err))
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: a directory, not an image: give a %s file", path, Formats)
	}
	if limit := maxPixels*bytesPerPixelMax + fileSlack; st.Mode().IsRegular() && st.Size() > limit {
		return nil, fmt.Errorf("%s: the file is %d MB, more than an image within the pixel budget of %s can be: give a smaller image, or raise -max-pixels",
			path, st.Size()>>20, megapixels(maxPixels))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, unwrapPathErr(err))
	}
	im, err := DecodeMax(path, data, maxPixels)
	if err != nil {
		return nil, err
	}
	im.Name = path
	return im, nil
}

// Decode decodes an encoded image within DefaultMaxPixels; see DecodeMax.
func Decode(name string, data []byte) (*Image, error) {
	return DecodeMax(name, data, DefaultMaxPixels)
}

// DecodeMax decodes an encoded image of at most maxPixels pixels (0 means
// DefaultMaxPixels), checking the size its header states before decoding
// (a *PixelBudgetError when over); name is used in errors.
func DecodeMax(name string, data []byte, maxPixels int64) (*Image, error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%s: empty file: give a %s image", name, Formats)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, fmt.Errorf("%s: not an image vkstyle reads: give a %s image", name, Formats)
		}
		return nil, fmt.Errorf("%s: corrupt or truncated image (%v): re-export or re-download it", name, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%s: the image has no pixels", name)
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, &PixelBudgetError{Name: name, W: cfg.Width, H: cfg.Height, MaxPixels: maxPixels}
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
