package stylize

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
)

// SaveOptions choose the encoding of Save.
type SaveOptions struct {
	// Bits per PNG sample, 8 or 16. If 0, it is 8.
	Bits int
	// JPEG quality, 1–100. If 0, it is 95.
	Quality int
}

// Save writes im to path as PNG or JPEG (by extension: .png, .jpg, .jpeg),
// atomically: a temporary file beside path is renamed into place, so an
// interrupted run never leaves a half-written image.
func Save(path string, im *Image, o SaveOptions) error {
	var buf bytes.Buffer
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png":
		var err error
		switch o.Bits {
		case 0, 8:
			err = png.Encode(&buf, im.toRGBA8())
		case 16:
			err = png.Encode(&buf, im.toRGBA64())
		default:
			return fmt.Errorf("%s: PNG takes 8 or 16 bits per sample, not %d", path, o.Bits)
		}
		if err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
	case ".jpg", ".jpeg":
		q := o.Quality
		if q == 0 {
			q = 95
		}
		if q < 1 || q > 100 {
			return fmt.Errorf("%s: JPEG quality must be 1–100, not %d", path, q)
		}
		if err := jpeg.Encode(&buf, im.toRGBA8(), &jpeg.Options{Quality: q}); err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
	default:
		return fmt.Errorf("%s: unknown output format %q: use .png, .jpg or .jpeg", path, ext)
	}
	return writeFileAtomic(path, buf.Bytes())
}

func (im *Image) toRGBA8() *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, im.W, im.H))
	n := im.W * im.H
	for y := 0; y < im.H; y++ {
		for x := 0; x < im.W; x++ {
			i := y*im.W + x
			out.SetNRGBA(x, y, color.NRGBA{to8(im.Pix[i]), to8(im.Pix[n+i]), to8(im.Pix[2*n+i]), 0xff})
		}
	}
	return out
}

func to8(v float32) uint8 {
	switch {
	case !(v > 0):
		return 0
	case v >= 1:
		return 0xff
	}
	return uint8(v*0xff + 0.5)
}

// writeFileAtomic writes data to a temporary file in path's directory,
// named by tempPrefix, and renames it to path. Errors name the path and
// say how to fix it.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPrefix(filepath.Base(path))+"*")
	if err != nil {
		return fmt.Errorf("%s: cannot write here (%v): choose a writable output path", path, unwrapPathErr(err))
	}
	name := tmp.Name()
	_, werr := tmp.Write(data)
	if werr == nil {
		werr = tmp.Chmod(0o644) // CreateTemp makes 0600; outputs are ordinary files
	}
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(name, path)
	}
	if werr != nil {
		os.Remove(name)
		return fmt.Errorf("%s: %v", path, unwrapPathErr(werr))
	}
	return nil
}

// unwrapPathErr drops the temporary name from *os.PathError messages.
func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
