package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vkstyle/vkstyle/fast"
	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/stylize"
	"github.com/vkstyle/vkstyle/vgg"
)

// adainFlags are the flags of `vkstyle adain` beyond feedFlags.
type adainFlags struct {
	style, blend     string
	alpha            float64
	preserveColor    bool
	encoder, decoder string
	styleSize        int
}

func (a *adainFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.style, "style", "", "style images: files separated by commas, or a directory (required)")
	fs.StringVar(&a.blend, "style-blend", "", "style blend weights, one per style, separated by commas (default: equal); normalised to sum 1")
	fs.Float64Var(&a.alpha, "alpha", 1, "content–style trade-off from 0 (the content) to 1 (all style)")
	fs.BoolVar(&a.preserveColor, "preserve-color", false, "move each style's colours to the content's mean and covariance first (AdaIN's coral)")
	fs.StringVar(&a.encoder, "encoder", "", "AdaIN encoder, vgg_normalised.pth (default: the weights cache, filled by 'vkstyle weights fetch adain-encoder')")
	fs.StringVar(&a.decoder, "decoder", "", "AdaIN decoder, decoder.pth (default: the weights cache, filled by 'vkstyle weights fetch adain-decoder')")
	fs.IntVar(&a.styleSize, "style-size", 0, "resize each style image so that its longer side has this many pixels (default: keep its size)")
}

// weights finds the encoder and decoder: the flags, else the cache.
func (a *adainFlags) weights() (enc, dec string, err error) {
	enc, dec = a.encoder, a.decoder
	if enc != "" && dec != "" {
		return enc, dec, nil
	}
	dir, err := vgg.DefaultDir()
	if err != nil {
		return "", "", err
	}
	if enc == "" {
		if enc, err = vgg.LocateIn(dir, "adain-encoder"); err != nil {
			return "", "", fmt.Errorf("-encoder not given and %s", strings.TrimPrefix(err.Error(), "vgg: "))
		}
	}
	if dec == "" {
		if dec, err = vgg.LocateIn(dir, "adain-decoder"); err != nil {
			return "", "", fmt.Errorf("-decoder not given and %s", strings.TrimPrefix(err.Error(), "vgg: "))
		}
	}
	return enc, dec, nil
}

// load finds the encoder and decoder (weights) and reads them.
func (a *adainFlags) load() (*fast.AdaIN, error) {
	enc, dec, err := a.weights()
	if err != nil {
		return nil, err
	}
	return fast.LoadAdaIN(enc, dec)
}

// loadStyles reads the style images, resized to -style-size within the
// pixel budget, each checked against the encoder's smallest side.
func (a *adainFlags) loadStyles(files []string, maxPixels int64) ([]*stylize.Image, error) {
	var styles []*stylize.Image
	for _, p := range files {
		im, err := loadAt(p, a.styleSize, maxPixels, "-style-size")
		if err != nil {
			return nil, err
		}
		if im.W < fast.AdaINMinSide || im.H < fast.AdaINMinSide {
			return nil, fmt.Errorf("-style %s is %d×%d: AdaIN's encoder needs at least %d×%d pixels", p, im.W, im.H, fast.AdaINMinSide, fast.AdaINMinSide)
		}
		styles = append(styles, im)
	}
	return styles, nil
}

// openWithModel opens the device's engine and uploads a model's weights
// there; closeAll closes the model's device copies, then the engine.
func openWithModel(opts gpu.Options, upload func(graph.Backend) error, closeModel func()) (eng *stylize.GPU, closeAll func(), err error) {
	eng, closeEngine, err := openEngine(opts)
	if err != nil {
		return nil, nil, err
	}
	if err := upload(eng.Backend()); err != nil {
		closeEngine()
		return nil, nil, err
	}
	return eng, func() { closeModel(); closeEngine() }, nil
}

// blendWeights parses -style-blend for n styles (nil: equal).
func (a *adainFlags) blendWeights(n int) ([]float64, error) {
	if a.blend == "" {
		return nil, nil
	}
	var ws []float64
	var sum float64
	for _, s := range strings.Split(a.blend, ",") {
		w, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || !(w >= 0) || w > 1e300 {
			return nil, fmt.Errorf("-style-blend: %q is not a weight ≥ 0", s)
		}
		ws, sum = append(ws, w), sum+w
	}
	switch {
	case len(ws) != n:
		return nil, fmt.Errorf("-style-blend has %d weights for %d style images: give one per style", len(ws), n)
	case sum == 0:
		return nil, errors.New("-style-blend: the weights are all 0")
	}
	return ws, nil
}

// runAdaIN is `vkstyle adain`: arbitrary style transfer in one pass.
func runAdaIN(args []string, stdout, stderr io.Writer) error {
	var f feedFlags
	var a adainFlags
	fs := newFlags("adain", stderr)
	f.register(fs)
	a.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if a.style == "" {
		return errors.New("-style is required: give one or more style images (comma-separated) or a directory of them")
	}
	if !(a.alpha >= 0 && a.alpha <= 1) {
		return fmt.Errorf("-alpha %g: give a value from 0 (the content) to 1 (all style)", a.alpha)
	}
	if a.styleSize < 0 {
		return fmt.Errorf("-style-size %d: give a positive number of pixels, or 0 to keep each style's size", a.styleSize)
	}
	styleFilesList, err := styleFiles(a.style)
	if err != nil {
		return err
	}
	if len(styleFilesList) == 0 {
		return errors.New("-style is required: give one or more style images (comma-separated) or a directory of them")
	}
	weights, err := a.blendWeights(len(styleFilesList))
	if err != nil {
		return err
	}
	js, err := f.jobs()
	if err != nil {
		return err
	}
	for _, j := range js {
		for _, s := range styleFilesList {
			if samePath(j.out, s) {
				return fmt.Errorf("-out %s is a -style image: writing the result would destroy it; give another -out", j.out)
			}
		}
	}
	styles, err := a.loadStyles(styleFilesList, f.maxPixels)
	if err != nil {
		return err
	}
	m, err := a.load()
	if err != nil {
		return err
	}
	eng, closeAll, err := openWithModel(gpu.Options{Device: f.device}, m.Upload, m.Close)
	if err != nil {
		return err
	}
	defer closeAll()
	encodeAll := func(content *stylize.Image) ([]*fast.StyleCode, error) {
		codes := make([]*fast.StyleCode, len(styles))
		for i, s := range styles {
			if content != nil {
				s = fast.PreserveColor(s, content)
			}
			c, err := m.EncodeStyle(s)
			if err != nil {
				return nil, err
			}
			codes[i] = c
		}
		return codes, nil
	}
	var codes []*fast.StyleCode
	if !a.preserveColor {
		if codes, err = encodeAll(nil); err != nil {
			return err
		}
	}
	if !f.quiet && !f.jsonOut {
		names := make([]string, len(styleFilesList))
		for i, p := range styleFilesList {
			names[i] = filepath.Base(p)
		}
		fmt.Fprintf(stderr, "vkstyle: AdaIN with %s, alpha %g, on %s\n", strings.Join(names, ", "), a.alpha, eng.Name())
	}
	var notice io.Writer = stderr
	if f.quiet {
		notice = nil
	}
	ctx, _, stop := notifyStop(notice)
	defer stop()
	return runFeed(ctx, &f, js, "adain", func(content *stylize.Image) (*stylize.Image, error) {
		cs := codes
		if a.preserveColor {
			var err error
			if cs, err = encodeAll(content); err != nil {
				return nil, err
			}
		}
		return m.Stylize(content, cs, weights, a.alpha)
	}, stdout, stderr)
}
