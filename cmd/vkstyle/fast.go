package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/vkstyle/vkstyle/fast"
	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/stylize"
)

// feedFlags are the flags every feed-forward command (fast, adain) shares:
// what to stylise, where to, at what size, on which device.
type feedFlags struct {
	content, out  string
	size          int
	format        string
	bits, quality int
	jsonOut       bool
	quiet         bool
	device        string
	maxPixels     int64
	// single is the content image, read by jobs when it is one file,
	// so that a bad image fails before the device opens.
	single *stylize.Image
}

func (f *feedFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.content, "content", "", "content image, or a directory of images (required)")
	fs.StringVar(&f.out, "out", "", "output image (.png or .jpg), or a directory when -content is one (required)")
	fs.IntVar(&f.size, "size", 0, "resize the content so that its longer side has this many pixels (default: keep its size)")
	fs.StringVar(&f.format, "format", "png", "file format of the images written into an -out directory: png or jpg")
	fs.IntVar(&f.bits, "bits", 8, "bits per PNG sample: 8 or 16")
	fs.IntVar(&f.quality, "quality", 95, "JPEG quality, 1-100")
	fs.BoolVar(&f.jsonOut, "json", false, "print one JSON object per image instead of a progress bar")
	fs.BoolVar(&f.quiet, "quiet", false, "print nothing but errors")
	fs.StringVar(&f.device, "device", "", "Vulkan device: index or name substring (default: $VKSTYLE_DEVICE, then the best GPU)")
	fs.Int64Var(&f.maxPixels, "max-pixels", stylize.DefaultMaxPixels, "pixel budget: the most pixels an input image, or one resized to -size, may have")
}

// job is one image to stylise and where its result goes.
type job struct{ in, out string }

// imageExts are the extensions a directory's images are found by.
var imageExts = []string{".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".gif"}

// jobs checks the flags and lists the work: one file to one file, or
// every image of a directory into a directory (created if missing), each
// result named after its input with the -format extension. Nothing is
// written, and no input may be an output.
func (f *feedFlags) jobs() ([]job, error) {
	switch {
	case f.content == "":
		return nil, errors.New("-content is required: give an image, or a directory of images")
	case f.out == "":
		return nil, errors.New("-out is required: give an output image, or a directory when -content is one")
	case f.size < 0:
		return nil, fmt.Errorf("-size %d: give a positive number of pixels, or 0 to keep each image's size", f.size)
	case f.format != "png" && f.format != "jpg":
		return nil, fmt.Errorf("-format %s: use png or jpg", f.format)
	}
	st, err := os.Stat(f.content)
	if err != nil {
		return nil, fmt.Errorf("-content %s: %v", f.content, unwrapPath(err))
	}
	if !st.IsDir() {
		if err := checkWritable(f.out); err != nil {
			return nil, err
		}
		if samePath(f.out, f.content) {
			return nil, fmt.Errorf("-out %s is the -content image: writing the result would destroy it; give another -out", f.out)
		}
		if f.single, err = f.load(f.content); err != nil {
			return nil, err
		}
		return []job{{f.content, f.out}}, nil
	}
	if ost, err := os.Stat(f.out); err == nil && !ost.IsDir() {
		return nil, fmt.Errorf("-out %s is a file, but -content %s is a directory: give an output directory", f.out, f.content)
	}
	if samePath(f.out, f.content) {
		return nil, fmt.Errorf("-out %s is the -content directory: results could replace the inputs; give another directory", f.out)
	}
	entries, err := os.ReadDir(f.content)
	if err != nil {
		return nil, fmt.Errorf("-content %s: %v", f.content, unwrapPath(err))
	}
	var js []job
	for _, e := range entries {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if !e.Type().IsRegular() || !slices.Contains(imageExts, ext) || strings.HasPrefix(name, ".") {
			continue
		}
		js = append(js, job{filepath.Join(f.content, name), filepath.Join(f.out, strings.TrimSuffix(name, filepath.Ext(name))+"."+f.format)})
	}
	if len(js) == 0 {
		return nil, fmt.Errorf("-content %s: no images in the directory (looked for %s)", f.content, strings.Join(imageExts, " "))
	}
	for i := 1; i < len(js); i++ {
		for _, prev := range js[:i] {
			if js[i].out == prev.out {
				return nil, fmt.Errorf("-content %s: %s and %s would both be written to %s: rename one", f.content, filepath.Base(prev.in), filepath.Base(js[i].in), js[i].out)
			}
		}
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return nil, fmt.Errorf("-out %s: %v", f.out, unwrapPath(err))
	}
	if err := checkCreatable("-out", "output directory", filepath.Join(f.out, "x.png")); err != nil {
		return nil, err
	}
	return js, nil
}

// unwrapPath drops the *PathError's repetition of the path.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// load reads a content image and resizes it to -size.
func (f *feedFlags) load(path string) (*stylize.Image, error) {
	return loadAt(path, f.size, f.maxPixels, "-size")
}

// loadAt reads the image at path within the pixel budget and, when side
// is not 0, resizes its longer side to side pixels, refusing a size over
// the budget; flag names the size's flag in that error.
func loadAt(path string, side int, maxPixels int64, flag string) (*stylize.Image, error) {
	im, err := stylize.LoadMax(path, maxPixels)
	if err != nil || side == 0 {
		return im, err
	}
	w, h := stylize.FitSide(im.W, im.H, side)
	if int64(w)*int64(h) > maxPixels {
		return nil, fmt.Errorf("%s %d: %s would be %d×%d, above the -max-pixels budget of %d", flag, side, path, w, h, maxPixels)
	}
	name := im.Name
	im = im.Resize(w, h)
	im.Name = name
	return im, nil
}

// runFeed stylises every job with one, showing a bar over the images (or
// JSON lines), writing each result atomically as it is done. A failed
// image is reported in one line and the others still run; Ctrl-C stops
// between images. It returns an error if any image failed or the run was
// stopped.
func runFeed(ctx context.Context, f *feedFlags, js []job, what string, one func(*stylize.Image) (*stylize.Image, error), stdout, stderr io.Writer) error {
	var bar *progressbar.ProgressBar
	if !f.quiet && !f.jsonOut && len(js) > 1 {
		bar = progressbar.NewOptions(len(js), progressbar.OptionSetWriter(stderr), progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true), progressbar.OptionSetWidth(24), progressbar.OptionSetDescription(what),
			progressbar.OptionThrottle(100*time.Millisecond))
	}
	enc := json.NewEncoder(stdout)
	save := stylize.SaveOptions{Bits: f.bits, Quality: f.quality}
	var failed []string
	done := 0
	for _, j := range js {
		if ctx.Err() != nil {
			break
		}
		start := time.Now()
		err := func() error {
			im := f.single
			if im == nil {
				var err error
				if im, err = f.load(j.in); err != nil {
					return err
				}
			}
			res, err := one(im)
			if err != nil {
				return err
			}
			if err := stylize.Save(j.out, res, save); err != nil {
				return err
			}
			if f.jsonOut {
				return enc.Encode(map[string]any{"input": j.in, "output": j.out, "width": res.W, "height": res.H,
					"ms": float64(time.Since(start).Microseconds()) / 1000})
			}
			if !f.quiet && bar == nil {
				fmt.Fprintf(stderr, "vkstyle: wrote %s (%d×%d) in %v\n", j.out, res.W, res.H, time.Since(start).Round(time.Millisecond))
			}
			return nil
		}()
		if err != nil {
			if len(js) == 1 {
				return err
			}
			failed = append(failed, err.Error())
			if bar != nil {
				bar.Clear()
			}
			fmt.Fprintln(stderr, "vkstyle:", err)
		} else {
			done++
		}
		if bar != nil {
			bar.Add(1)
		}
	}
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(stderr)
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("stopped after %d of %d images; each finished one is complete in %s", done+len(failed), len(js), f.out)
	case len(failed) > 0:
		return fmt.Errorf("%d of %d images failed (each error is above); the other %d are in %s", len(failed), len(js), done, f.out)
	}
	if !f.quiet && !f.jsonOut && len(js) > 1 {
		fmt.Fprintf(stderr, "vkstyle: wrote %d images into %s\n", done, f.out)
	}
	return nil
}

// runFast is `vkstyle fast`: a fast_neural_style TransformerNet over one
// image or a directory.
func runFast(args []string, stdout, stderr io.Writer) error {
	var f feedFlags
	var model string
	fs := newFlags("fast", stderr)
	fs.StringVar(&model, "model", "", "fast_neural_style TransformerNet state dict (.pth, e.g. candy.pth from pytorch/examples' saved models) (required)")
	f.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if model == "" {
		return errors.New("-model is required: give a fast_neural_style TransformerNet file such as candy.pth (pytorch/examples, fast_neural_style/download_saved_models.py)")
	}
	js, err := f.jobs()
	if err != nil {
		return err
	}
	m, err := fast.LoadTransformer(model)
	if err != nil {
		return err // names the file
	}
	eng, closeAll, err := openWithModel(gpu.Options{Device: f.device}, m.Upload, m.Close)
	if err != nil {
		return err
	}
	defer closeAll()
	if !f.quiet && !f.jsonOut {
		fmt.Fprintf(stderr, "vkstyle: stylising with %s (TransformerNet %d/%d/%d) on %s\n", filepath.Base(model), m.Widths[0], m.Widths[1], m.Widths[2], eng.Name())
	}
	var notice io.Writer = stderr
	if f.quiet {
		notice = nil
	}
	ctx, _, stop := notifyStop(notice)
	defer stop()
	return runFeed(ctx, &f, js, "fast", m.Stylize, stdout, stderr)
}
