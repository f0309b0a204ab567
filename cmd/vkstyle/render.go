package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/stylize"
)

// renderFlags are the flags of render (and preview): Go-style names, with
// neural-style's names in README.
type renderFlags struct {
	content, style, blend, out  string
	size                        int
	styleScale                  float64
	contentWeight, styleWeight  float64
	tvWeight                    float64
	contentLayers, styleLayers  string
	pooling, model, weights     string
	init, optimizer             string
	lr                          float64
	history, iterations         int
	seed                        uint64
	originalColors, matchColors bool
	normalizeGradients          bool
	scales                      string
	printEvery, saveEvery       int
	bits, quality               int
	jsonOut, quiet              bool
	device, resume, checkpoint  string
	preprocess                  string
	given                       map[string]bool // the flags on the command line
	maxPixels                   int64
	tile, tileHalo              string
	tileJitter                  bool
	memoryLimit                 int64
	contentMasks, styleMasks    string
	styleLoss                   string
}

func (f *renderFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.content, "content", "", "content image (default: a landscape drawn by vkstyle)")
	fs.StringVar(&f.style, "style", "", "style images: files separated by commas, or a directory (default: a swirl pattern drawn by vkstyle)")
	fs.StringVar(&f.contentMasks, "content-masks", "", "one mask image per style, separated by commas: white where that style applies in the result, grey partly (resized to the content)")
	fs.StringVar(&f.styleMasks, "style-masks", "", "with -content-masks, one mask per style: white where the style image's statistics are taken from")
	fs.StringVar(&f.styleLoss, "style-loss", "gram", "style statistic: gram (Gram matrices, Gatys et al.), sw (sliced Wasserstein distance of the feature distributions, Heitz et al. 2021) or w2 (Wasserstein-2 distance of their Gaussian fits, crowsonkb)")
	fs.StringVar(&f.blend, "style-blend", "", "style blend weights, one per style, separated by commas (default: equal)")
	fs.StringVar(&f.out, "out", "vkstyle-out.png", "output image (.png or .jpg)")
	fs.IntVar(&f.size, "size", 0, "longer side of the result in pixels (default 512; 256 with the embedded model)")
	fs.Float64Var(&f.styleScale, "style-scale", 1, "size of the style images relative to -size")
	fs.Float64Var(&f.contentWeight, "content-weight", 5, "weight of the content loss")
	fs.Float64Var(&f.styleWeight, "style-weight", 100, "weight of the style loss")
	fs.Float64Var(&f.tvWeight, "tv-weight", 1e-3, "weight of the total-variation smoothing")
	fs.StringVar(&f.contentLayers, "content-layers", "relu4_2", "content layers, each optionally name:weight, separated by commas")
	fs.StringVar(&f.styleLayers, "style-layers", "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1", "style layers, each optionally name:weight")
	fs.StringVar(&f.preprocess, "preprocess", "auto", "input preprocessing the weights expect: auto (Caffe for neural-style-pt's vgg19-d01eb7cb.pth and vgg16-00b39a1b.pth, else a safetensors file's vkstyle_convention, else torchvision), torchvision or caffe")
	fs.StringVar(&f.pooling, "pooling", "", "pooling of the network: max, avg or l2 (default: max for VGG, as neural-style; Gatys et al. used avg; l2 is crowsonkb's 0.78·√(Σx²))")
	fs.StringVar(&f.model, "model", "", "network: vgg19, vgg16 or embedded (default: vgg19 when its weights are cached, else embedded)")
	fs.StringVar(&f.weights, "weights", "", "weight file (.pth or .safetensors) instead of the cached one")
	fs.StringVar(&f.init, "init", "random", "initial image: random, content, gray or an image file")
	fs.StringVar(&f.optimizer, "optimizer", "lbfgs", "optimiser: lbfgs or adam")
	fs.Float64Var(&f.lr, "lr", 0, "learning rate: Adam's step in pixel units of 0-255 for every model, as neural-style's -learning_rate (default 10); L-BFGS's step-length multiplier (default 1)")
	fs.IntVar(&f.history, "history", 100, "L-BFGS history size (correction pairs)")
	fs.IntVar(&f.iterations, "iterations", 1000, "iterations (at the smallest scale when multi-scale)")
	fs.Uint64Var(&f.seed, "seed", 0, "random seed: the same seed on the same device gives the same output bits")
	fs.BoolVar(&f.normalizeGradients, "normalize-gradients", false, "divide each loss term's gradient by its L1 norm before weighting (neural-style's -normalize_gradients)")
	fs.BoolVar(&f.originalColors, "original-colors", false, "keep the content's colours (luminance-only transfer)")
	fs.BoolVar(&f.matchColors, "match-colors", false, "match each style's colour histogram (mean, covariance) to the content's first")
	fs.StringVar(&f.scales, "scales", "1", "number of scales, coarse to fine, or auto (from about 128 px up by √2)")
	fs.IntVar(&f.printEvery, "print-every", 100, "print the loss terms every N iterations (0: never)")
	fs.IntVar(&f.saveEvery, "save-every", 0, "save a numbered image every N iterations (0: never)")
	fs.IntVar(&f.bits, "bits", 8, "bits per PNG sample: 8 or 16")
	fs.IntVar(&f.quality, "quality", 95, "JPEG quality, 1-100")
	fs.BoolVar(&f.jsonOut, "json", false, "print one JSON object per report instead of a progress bar")
	fs.BoolVar(&f.quiet, "quiet", false, "print nothing but errors")
	fs.StringVar(&f.device, "device", "", "Vulkan device: index or name substring (default: $VKSTYLE_DEVICE, then the best GPU)")
	fs.StringVar(&f.resume, "resume", "", "continue a stopped run from its checkpoint file")
	fs.StringVar(&f.checkpoint, "checkpoint", "", "where a stopped run (Ctrl-C, SIGTERM, SIGHUP) writes a checkpoint (default: the output path + .ckpt)")
	fs.Int64Var(&f.maxPixels, "max-pixels", stylize.DefaultMaxPixels, "pixel budget: the most pixels an input image, or an image resized to -size or -style-scale, may have")
	fs.StringVar(&f.tile, "tile", "auto", "tile side in pixels for images beyond the device's memory: auto (tile only what does not fit, in the largest tiles that do), off, or a side (tile every scale larger)")
	fs.StringVar(&f.tileHalo, "tile-halo", strconv.Itoa(stylize.DefaultTileHalo), "pixels each tile reaches past its interior: a number, or full (the network's whole radius: exact, slower)")
	fs.BoolVar(&f.tileJitter, "tile-jitter", true, "move the tile grid at every evaluation so that no seam stays in one place")
	fs.Int64Var(&f.memoryLimit, "memory-limit", 0, "most device memory to plan for, in MiB (0: the device's budget); beyond it the image is tiled")
}

// tileOptions maps -tile, -tile-halo, -tile-jitter and -memory-limit
// onto o.
func (f *renderFlags) tileOptions(o *stylize.Options) error {
	switch f.tile {
	case "auto":
	case "off":
		o.Tile = stylize.TileOff
	default:
		n, err := strconv.Atoi(f.tile)
		if err != nil || n < 1 {
			return fmt.Errorf("-tile %q: give auto, off or a tile side in pixels", f.tile)
		}
		o.Tile = n
	}
	switch f.tileHalo {
	case "full":
		o.TileHalo = stylize.TileHaloFull
	default:
		n, err := strconv.Atoi(f.tileHalo)
		if err != nil || n < 0 {
			return fmt.Errorf("-tile-halo %q: give a number of pixels (0 or more) or full", f.tileHalo)
		}
		switch n {
		case 0:
			o.TileHalo = stylize.TileHaloNone
		case stylize.DefaultTileHalo:
			// The library's zero: a run's fingerprint (its checkpoint's
			// key) stays what it was before tiling existed.
		default:
			o.TileHalo = n
		}
	}
	o.TileFixed = !f.tileJitter
	if f.memoryLimit < 0 || f.memoryLimit > 1<<30 {
		return fmt.Errorf("-memory-limit %d: give the most device memory to use in MiB (0 for no limit)", f.memoryLimit)
	}
	o.MemoryLimit = f.memoryLimit << 20
	return nil
}

// options maps the flags onto stylize.Options.
func (f *renderFlags) options(embedded bool) (stylize.Options, error) {
	o := stylize.Options{
		Size: f.size, StyleScale: f.styleScale,
		ContentWeight: f.contentWeight, StyleWeight: f.styleWeight, TVWeight: f.tvWeight, NoDefaults: true,
		Init: f.init, Optimizer: f.optimizer, LearningRate: f.lr, History: f.history, Iterations: f.iterations,
		Seed: f.seed, OriginalColors: f.originalColors, MatchColors: f.matchColors, NormalizeGradients: f.normalizeGradients,
		PrintEvery: f.printEvery, SaveEvery: f.saveEvery, MaxPixels: f.maxPixels, StyleLoss: f.styleLoss,
	}
	if err := checkStyleLoss(f.styleLoss); err != nil {
		return o, err
	}
	if o.StyleLoss == "gram" {
		o.StyleLoss = "" // the default, which checkpoints fingerprint as before
	}
	if f.maxPixels < 1 {
		return o, fmt.Errorf("-max-pixels %d: give a positive number of pixels", f.maxPixels)
	}
	// Zero is how the library spells "default": an explicit 0 (or less)
	// on the command line is a mistake to report, never a default.
	for _, c := range []struct {
		flag string
		v    float64
		want string
	}{
		{"iterations", float64(f.iterations), "give at least 1"},
		{"history", float64(f.history), "give at least 1 correction pair"},
		{"size", float64(f.size), "give a longer side of at least 16 pixels (leave -size out for the default)"},
		{"lr", f.lr, "give a positive rate (leave -lr out for the default: 10 for adam, 1 for lbfgs)"},
	} {
		if f.given[c.flag] && !(c.v > 0) {
			return o, fmt.Errorf("-%s %v: %s", c.flag, c.v, c.want)
		}
	}
	if o.Size == 0 && embedded {
		o.Size = 256
	}
	var err error
	if o.ContentLayers, err = stylize.ParseLayers(f.contentLayers); err != nil {
		return o, fmt.Errorf("-content-layers: %v", err)
	}
	if o.StyleLayers, err = stylize.ParseLayers(f.styleLayers); err != nil {
		return o, fmt.Errorf("-style-layers: %v", err)
	}
	if f.blend != "" {
		for _, s := range strings.Split(f.blend, ",") {
			w, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return o, fmt.Errorf("-style-blend: %q is not a number", s)
			}
			o.StyleBlend = append(o.StyleBlend, w)
		}
	}
	switch f.scales {
	case "auto":
		o.Auto = true
	default:
		n, err := strconv.Atoi(f.scales)
		if err != nil || n < 1 {
			return o, fmt.Errorf("-scales %q: give a count ≥ 1 or auto", f.scales)
		}
		o.Scales = n
	}
	if f.bits != 8 && f.bits != 16 {
		return o, fmt.Errorf("-bits %d: give 8 or 16", f.bits)
	}
	if f.quality < 1 || f.quality > 100 {
		return o, fmt.Errorf("-quality %d: give 1 to 100", f.quality)
	}
	if f.pooling != "" && f.pooling != "max" && f.pooling != "avg" && f.pooling != "l2" {
		return o, fmt.Errorf("-pooling %q: give max, avg or l2", f.pooling)
	}
	return o, f.tileOptions(&o)
}

// styleFiles expands -style: comma-separated files, or the images of a
// directory in name order.
func styleFiles(arg string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(arg, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		st, err := os.Stat(p)
		if err == nil && st.IsDir() {
			entries, err := os.ReadDir(p)
			if err != nil {
				return nil, fmt.Errorf("-style %s: %v", p, err)
			}
			n := len(out)
			for _, e := range entries {
				if st, err := os.Stat(filepath.Join(p, e.Name())); err != nil || !st.Mode().IsRegular() {
					continue // a subdirectory named x.jpg, a broken link
				}
				switch strings.ToLower(filepath.Ext(e.Name())) {
				case ".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".gif":
					out = append(out, filepath.Join(p, e.Name()))
				}
			}
			if len(out) == n {
				return nil, fmt.Errorf("-style %s: the directory holds no images", p)
			}
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

// embeddedDefaults are the render defaults for the embedded network, whose
// features differ from VGG's: finer content features (its relu4_2 sees
// only an eighth of the image's resolution), a heavier style term, a
// lighter smoothing, and the content as the start so that about a hundred
// iterations (a minute on lavapipe) give a finished picture. The style
// weight was 1e5 until the contact sheet (docs/contact-sheet.jpg, made by
// docs/contactsheet) showed van Gogh's and Munch's paintings carrying
// their strokes only at 1e6. Flags given on the command line win.
var embeddedDefaults = [][2]string{
	{"content-layers", "relu3_1"}, {"content-weight", "1"}, {"style-weight", "1e6"},
	{"tv-weight", "1e-5"}, {"init", "content"}, {"iterations", "100"},
}

func runRender(args []string, stdout, stderr io.Writer) error {
	f, _, model, note, err := parseRender("render", args, stderr)
	if err != nil {
		return err
	}
	return render(f, model, note, stdout, stderr)
}

// parseRender parses the flags of render (or preview, which shares them)
// and resolves the model; the embedded network gets its defaults for the
// flags not given. set names the flags given on the command line.
func parseRender(name string, args []string, stderr io.Writer) (f *renderFlags, set map[string]bool, model *stylize.NetModel, note string, err error) {
	fs := newFlags(name, stderr)
	f = &renderFlags{}
	f.register(fs)
	if err := parse(fs, args); err != nil {
		return nil, nil, nil, "", err
	}
	set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	f.given = set
	if model, note, err = resolveModel(f.model, f.weights, f.pooling, f.preprocess); err != nil {
		return nil, nil, nil, "", err
	}
	if model.Name() == "embedded" {
		for _, d := range embeddedDefaults {
			if !set[d[0]] {
				fs.Set(d[0], d[1])
			}
		}
	}
	if w := styleLossWeight(model.Name(), f.styleLoss); w != "" && !set["style-weight"] {
		fs.Set("style-weight", w)
	}
	return f, set, model, note, nil
}

// request loads the images the flags name (or draws the samples, sample
// being then true) into a request with the flags' options, validated for
// model.
func (f *renderFlags) request(model *stylize.NetModel) (req stylize.Request, sample bool, err error) {
	o, err := f.options(model.Name() == "embedded")
	if err != nil {
		return req, false, err
	}
	req = stylize.Request{Options: o}
	sample = f.content == "" && f.style == ""
	if f.content == "" {
		req.Content = stylize.SampleContent(384, 288)
	} else if req.Content, err = stylize.LoadMax(f.content, f.maxPixels); err != nil {
		return req, false, fmt.Errorf("content image %w", err)
	}
	if f.style == "" {
		req.Styles = []*stylize.Image{stylize.SampleStyle(384, 384)}
	} else {
		files, err := styleFiles(f.style)
		if err != nil {
			return req, false, err
		}
		for _, p := range files {
			im, err := stylize.LoadMax(p, f.maxPixels)
			if err != nil {
				return req, false, fmt.Errorf("style image %w", err)
			}
			req.Styles = append(req.Styles, im)
		}
	}
	if req.ContentMasks, err = f.loadMasks("-content-masks", f.contentMasks, len(req.Styles)); err != nil {
		return req, false, err
	}
	if req.StyleMasks, err = f.loadMasks("-style-masks", f.styleMasks, len(req.Styles)); err != nil {
		return req, false, err
	}
	if req.StyleMasks != nil && req.ContentMasks == nil {
		return req, false, errors.New("-style-masks needs -content-masks: give a content mask per style too (white where that style applies)")
	}
	if err := req.CheckMasks(); err != nil {
		return req, false, err
	}
	switch o.Init {
	case "random", "content", "gray":
	default:
		if req.Init, err = stylize.LoadMax(o.Init, f.maxPixels); err != nil {
			return req, false, fmt.Errorf("-init image %w", err)
		}
	}
	if err := o.Defaults().Validate(len(req.Styles), model.Layers()); err != nil {
		return req, false, err
	}
	ext := filepath.Ext(f.out)
	req.Save = func(it int, im *stylize.Image) (string, error) {
		p := fmt.Sprintf("%s_%d%s", strings.TrimSuffix(f.out, ext), it, ext)
		return p, stylize.Save(p, im, f.saveOptions())
	}
	return req, sample, nil
}

// loadMasks loads the comma-separated mask files of flag (none when arg
// is empty): one per style image.
func (f *renderFlags) loadMasks(flag, arg string, styles int) ([]*stylize.Image, error) {
	if arg == "" {
		return nil, nil
	}
	files := strings.Split(arg, ",")
	if len(files) != styles {
		return nil, fmt.Errorf("%s: %d masks for %d style images: give one mask per style, in the order of -style", flag, len(files), styles)
	}
	var out []*stylize.Image
	for _, p := range files {
		if p == "" {
			return nil, fmt.Errorf("%s: an empty file name in %q", flag, arg)
		}
		im, err := stylize.LoadMax(p, f.maxPixels)
		if err != nil {
			return nil, fmt.Errorf("%s image %w", flag, err)
		}
		out = append(out, im)
	}
	return out, nil
}

// saveOptions are the flags' image encoding.
func (f *renderFlags) saveOptions() stylize.SaveOptions {
	return stylize.SaveOptions{Bits: f.bits, Quality: f.quality}
}

func render(f *renderFlags, model *stylize.NetModel, note string, stdout, stderr io.Writer) error {
	ckpt := f.checkpoint
	if ckpt == "" {
		ckpt = f.out + ".ckpt"
	}
	if err := f.checkPaths(f.out, ckpt); err != nil {
		return err
	}
	req, sample, err := f.request(model)
	if err != nil {
		return err
	}
	save := f.saveOptions()
	req.CheckpointPath = ckpt
	if _, err := stylize.RemoveStaleTemps(f.out, ckpt); err != nil {
		return fmt.Errorf("removing temporary files a killed run left beside %s: %v", f.out, err)
	}
	if f.resume != "" {
		if req.Resume, err = stylize.LoadCheckpoint(f.resume); err != nil {
			return err
		}
	}

	opts := gpu.Options{Device: f.device}
	if f.memoryLimit > 0 {
		// Blocks of at most a 32nd of the limit, so that what the
		// allocator holds stays near what the run plans for.
		opts.BlockSize = uint64(min(64, max(1, f.memoryLimit/32))) << 20
	}
	eng, closeEngine, err := openEngine(opts)
	if err != nil {
		return err
	}
	defer closeEngine()
	defer model.Close() // its weights live on the engine's device

	rep := newReporter(f, stdout, stderr)
	rep.memory = func() uint64 { reserved, _, _ := eng.Device().MemoryUsage(); return reserved }
	req.Progress = rep.progress
	if !f.quiet {
		req.Notice = func(s string) { rep.notice(s) }
	}
	if !f.quiet && !f.jsonOut {
		what := "your images"
		if sample {
			what = "vkstyle's sample landscape in the style of its sample swirls"
		}
		fmt.Fprintf(stderr, "vkstyle: stylising %s with %s on %s\n", what, model.Name(), eng.Name())
		if note != "" {
			fmt.Fprintln(stderr, "vkstyle:", note)
		}
	}
	var notice io.Writer = stderr
	if f.quiet {
		notice = nil
	}
	ctx, caught, stop := notifyStop(notice)
	defer stop()
	im, runErr := stylize.Run(ctx, eng, model, req)
	rep.finish()
	if im != nil {
		if err := stylize.Save(f.out, im, save); err != nil {
			return err
		}
	}
	if runErr != nil {
		if errors.Is(runErr, stylize.ErrCheckpointFailed) {
			return fmt.Errorf("%s%v: the image so far is in %s, but without a checkpoint the run cannot be resumed", caught(), runErr, f.out)
		}
		if errors.Is(runErr, stylize.ErrStopped) {
			return fmt.Errorf("%s%v: the image so far is in %s and a checkpoint in %s; continue with -resume %s", caught(), runErr, f.out, req.CheckpointPath, req.CheckpointPath)
		}
		if errors.Is(runErr, stylize.ErrBadCheckpoint) {
			return fmt.Errorf("-resume %s: %v", f.resume, runErr)
		}
		var nf *stylize.NonFiniteError
		if errors.As(runErr, &nf) {
			return fmt.Errorf("the run diverged (%v): lower -lr or the loss weights; the last good image is in %s", nf, f.out)
		}
		if im != nil {
			return fmt.Errorf("%v (the last good image is in %s)", runErr, f.out)
		}
		return runErr
	}
	if f.resume != "" {
		os.Remove(f.resume)
	}
	if !f.quiet && !f.jsonOut {
		fmt.Fprintf(stderr, "vkstyle: wrote %s (%d×%d)\n", f.out, im.W, im.H)
		if model.Name() == "embedded" {
			fmt.Fprintln(stderr, "vkstyle: the embedded random-filter network transfers colour and texture; for real style transfer fetch VGG19 with `vkstyle weights fetch vgg19` and run with -model vgg19")
		}
	}
	return nil
}

// openEngine opens the device and its engine; close closes both, engine
// first.
func openEngine(opts gpu.Options) (eng *stylize.GPU, close func(), err error) {
	dev, err := gpu.Open(opts)
	if err != nil {
		return nil, nil, err
	}
	if eng, err = stylize.NewGPU(dev); err != nil {
		dev.Close()
		return nil, nil, err
	}
	return eng, func() { eng.Close(); dev.Close() }, nil
}
