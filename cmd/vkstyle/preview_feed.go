package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/vkstyle/vkstyle/cmd/vkstyle/preview"
	"github.com/vkstyle/vkstyle/fast"
	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/stylize"
)

// feedPreviewMode says whether preview's arguments ask for a feed-forward
// model (-adain or -fast), whose flags differ from render's.
func feedPreviewMode(args []string) bool {
	for _, a := range args {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case a == "--":
			return false
		case strings.HasPrefix(a, "-") && (name == "adain" || name == "fast"):
			return true
		}
	}
	return false
}

// adainFeed runs AdaIN for the preview, encoding each style and content
// once: an alpha change only decodes again.
type adainFeed struct {
	m       *fast.AdaIN
	codes   map[*stylize.Image]*fast.StyleCode
	content *stylize.Image // the content encoded last
}

func (f *adainFeed) TakesStyle() bool { return true }

func (f *adainFeed) Render(content *stylize.Image, styles []*stylize.Image, blend []float64, alpha float64) (*stylize.Image, error) {
	codes := make([]*fast.StyleCode, len(styles))
	for i, s := range styles {
		if f.codes[s] == nil {
			c, err := f.m.EncodeStyle(s)
			if err != nil {
				return nil, err
			}
			f.codes[s] = c
		}
		codes[i] = f.codes[s]
	}
	if content != f.content {
		if err := f.m.EncodeContent(content); err != nil {
			return nil, err
		}
		f.content = content
	}
	return f.m.Decode(codes, blend, alpha)
}

// transformerFeed runs a TransformerNet for the preview.
type transformerFeed struct{ m *fast.Transformer }

func (f transformerFeed) TakesStyle() bool { return false }

func (f transformerFeed) Render(content *stylize.Image, _ []*stylize.Image, _ []float64, _ float64) (*stylize.Image, error) {
	return f.m.Stylize(content)
}

// runPreviewFeed is `vkstyle preview -adain …` or `vkstyle preview -fast
// MODEL …`: a feed-forward model in the live window.
func runPreviewFeed(args []string, stdout, stderr io.Writer) error {
	var a adainFlags
	var useAdaIN, quiet bool
	var model, content, out, device string
	var size int
	fs := newFlags("preview", stderr)
	fs.BoolVar(&useAdaIN, "adain", false, "run AdaIN (-style, -alpha, -encoder, -decoder as in vkstyle adain)")
	fs.StringVar(&model, "fast", "", "run this fast_neural_style TransformerNet (.pth)")
	fs.StringVar(&content, "content", "", "content image (default: a landscape drawn by vkstyle)")
	fs.StringVar(&out, "out", "", "where q saves the image shown (.png or .jpg; default: nothing saved)")
	fs.IntVar(&size, "size", 512, "longer side of the content in pixels")
	fs.StringVar(&device, "device", "", "Vulkan device: index or name substring (default: $VKSTYLE_DEVICE, then the best GPU)")
	fs.BoolVar(&quiet, "quiet", false, "print nothing but errors")
	a.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case useAdaIN == (model != ""):
		return errors.New("preview: give exactly one of -adain and -fast MODEL")
	case size < 1:
		return fmt.Errorf("-size %d: give a positive number of pixels", size)
	case !(a.alpha >= 0 && a.alpha <= 1):
		return fmt.Errorf("-alpha %g: give a value from 0 (the content) to 1 (all style)", a.alpha)
	case model != "" && (a.style != "" || a.blend != "" || a.preserveColor):
		return errors.New("-fast: a fast_neural_style model has its style built in; -style, -style-blend and -preserve-color are for -adain")
	}
	if out != "" {
		if err := checkWritable(out); err != nil {
			return err
		}
	}
	ff := feedFlags{content: content, out: out, size: size, maxPixels: stylize.DefaultMaxPixels}
	var im *stylize.Image
	var err error
	if content == "" {
		w, h := stylize.FitSide(4, 3, size)
		im = stylize.SampleContent(w, h)
	} else if im, err = ff.load(content); err != nil {
		return err
	}
	if out != "" && content != "" && samePath(out, content) {
		return fmt.Errorf("-out %s is the -content image: writing the result would destroy it; give another -out", out)
	}
	var styles []*stylize.Image
	var weights []float64
	if useAdaIN {
		if a.style == "" {
			styles = []*stylize.Image{stylize.SampleStyle(256, 256)}
		} else {
			files, err := styleFiles(a.style)
			if err != nil {
				return err
			}
			if styles, err = a.loadStyles(files, stylize.DefaultMaxPixels); err != nil {
				return err
			}
			if weights, err = a.blendWeights(len(styles)); err != nil {
				return err
			}
		}
		if a.preserveColor {
			for i, s := range styles {
				styles[i] = fast.PreserveColor(s, im)
			}
		}
	}
	var feed preview.Feed
	var name string
	var upload func(graph.Backend) error
	var closeModel func()
	if useAdaIN {
		m, err := a.load()
		if err != nil {
			return err
		}
		feed, name, upload, closeModel = &adainFeed{m: m, codes: map[*stylize.Image]*fast.StyleCode{}}, "AdaIN", m.Upload, m.Close
	} else {
		m, err := fast.LoadTransformer(model)
		if err != nil {
			return err
		}
		feed, name, upload, closeModel = transformerFeed{m}, filepath.Base(model), m.Upload, m.Close
	}

	fw, fh := preview.WindowSize(im.W, im.H)
	win, err := preview.OpenWindow("vkstyle preview", fw, fh)
	if err != nil {
		if errors.Is(err, preview.ErrNoDisplay) {
			return fmt.Errorf("preview needs a display (%v): run `vkstyle adain` or `vkstyle fast` with the same flags instead", err)
		}
		return err
	}
	defer win.Close()
	eng, closeAll, err := openWithModel(gpu.Options{Device: device, InstanceExtensions: win.Extensions(), Surface: win.Surface()}, upload, closeModel)
	if err != nil {
		return err
	}
	defer closeAll()
	var log io.Writer = stderr
	if quiet {
		log = nil
	} else {
		fmt.Fprintf(stderr, "vkstyle: previewing %s on %s; press h for the controls\n", name, eng.Name())
	}
	s := &preview.Session{
		Window: win, Device: eng.Device(), Convention: preview.FeedConvention,
		Request: stylize.Request{Content: im, Styles: styles, Options: stylize.Options{StyleBlend: weights}},
		Out:     out, SnapshotBase: snapshotBase(out), Log: log,
		Feed: feed, Alpha: a.alpha,
	}
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals...) // q saves; a signal quits like q
	defer stop()
	stats, err := s.Run(ctx)
	if log != nil && stats.Iterations > 0 {
		fmt.Fprintf(log, "vkstyle: %d passes, %.0f ms each on average\n", stats.Iterations, 1000*stats.Running.Seconds()/float64(stats.Iterations))
	}
	return err
}

// snapshotBase names the snapshots after -out, else vkstyle-out.png.
func snapshotBase(out string) string {
	if out == "" {
		return "vkstyle-out.png"
	}
	return out
}
