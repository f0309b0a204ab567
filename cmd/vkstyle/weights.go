package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/vkstyle/vkstyle/vgg"
)

// weightFiles returns the known weight files of a model from the given
// sources; tests replace it to point at a local server.
var weightFiles = vgg.KnownFiles

// weightsClient makes the downloads; nil is http.DefaultClient.
var weightsClient *http.Client

const weightsUsage = `usage: vkstyle weights <command> [flags]

  fetch [MODEL] [-source S,…] [-dir D]         download, resume, verify; MODEL is vgg19 (default),
                                               vgg16, adain-encoder or adain-decoder
        [-timeout 30s] [-deadline 1h]          give up on a silent source, or a slow one
  list [-dir D]                                what is cached, size, verified
  verify [-dir D] [FILE…]                      re-hash and check cached files

Sources, tried in order: torchvision (download.pytorch.org), timm (Hugging
Face, only the 80 MB of convolution weights), caffe (neural-style-pt's
Caffe conversion). adain-encoder and adain-decoder are
naoto0804/pytorch-AdaIN's vgg_normalised.pth and decoder.pth, for vkstyle
adain (their URLs and sizes are unverified: only their keys are checked).
Files live in $VKSTYLE_WEIGHTS_DIR, else the user cache directory's
vkstyle/weights.
`

// runWeights is `vkstyle weights fetch|list|verify`.
func runWeights(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, weightsUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "fetch":
		return weightsFetch(args[1:], stdout, stderr)
	case "list":
		return weightsList(args[1:], stdout, stderr)
	case "verify":
		return weightsVerify(args[1:], stdout, stderr)
	}
	return fmt.Errorf("weights: unknown command %q; want fetch, list or verify", args[0])
}

// parseMixed parses flags that may come before or after the positional
// arguments (`fetch vgg16 -source caffe`) and returns the positionals.
func parseMixed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, flag.ErrHelp
			}
			return nil, errUsage
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// weightsDir adds the -dir flag.
func weightsDir(fs *flag.FlagSet) *string {
	def, err := vgg.DefaultDir()
	if err != nil {
		def = ""
	}
	return fs.String("dir", def, "directory of weight files ($VKSTYLE_WEIGHTS_DIR, else the user cache directory)")
}

func weightsFetch(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("weights fetch", stderr)
	dir := weightsDir(fs)
	source := fs.String("source", "", "comma-separated sources to try, in order: torchvision, timm, caffe (default: all, in that order)")
	quiet := fs.Bool("q", false, "no progress bar")
	timeout := fs.Duration("timeout", vgg.DefaultTimeouts.Idle, "the longest wait to connect, for the TLS handshake, and for the next bytes of an answer")
	deadline := fs.Duration("deadline", vgg.DefaultTimeouts.Source, "the most time one source may take before the next is tried (the .part file is kept)")
	pos, err := parseMixed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	model := "vgg19"
	switch len(pos) {
	case 0:
	case 1:
		model = strings.ToLower(pos[0])
	default:
		fs.Usage()
		return errUsage
	}
	if *dir == "" {
		return errors.New("weights fetch: no cache directory; give -dir or set VKSTYLE_WEIGHTS_DIR")
	}
	var sources []string
	if *source != "" {
		sources = strings.Split(*source, ",")
	}
	if *timeout <= 0 || *deadline <= 0 {
		return fmt.Errorf("weights fetch: -timeout %v, -deadline %v: give positive durations such as 30s or 1h", *timeout, *deadline)
	}
	files, err := weightFiles(model, sources...)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts := vgg.FetchOptions{Dir: *dir, Client: weightsClient, Log: stderr,
		Timeouts: vgg.Timeouts{Connect: *timeout, TLS: *timeout, Idle: *timeout, Source: *deadline}}
	if !*quiet {
		opts.Progress = func(desc string, done, total int64) io.Writer { return newBar(stderr, desc, done, total) }
	}
	path, err := vgg.Fetch(ctx, files, opts)
	var fe *vgg.FetchError
	if errors.As(err, &fe) { // each failure has had its line on stderr
		return fmt.Errorf("could not fetch %s weights (%d %s failed, above): download %s by hand and save it as %s",
			fe.Model, len(fe.Failures), plural(len(fe.Failures), "source", "sources"), fe.URL, fe.Path)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s weights: %s\n", model, path)
	return nil
}

// plural is one or many by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// newBar returns a progress bar with bytes, rate and ETA for a transfer
// of total bytes (−1: unknown) of which done were there before.
func newBar(w io.Writer, desc string, done, total int64) io.Writer {
	max := int64(-1)
	if total >= 0 {
		max = total - done
	}
	if done > 0 {
		desc = fmt.Sprintf("%s (resuming after %s)", desc, fmtSize(done))
	}
	return progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
}

func fmtSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func weightsList(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("weights list", stderr)
	dir := weightsDir(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	files, err := vgg.List(*dir)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fmt.Fprintf(stdout, "no weight files in %s: `vkstyle weights fetch vgg19` gets VGG19; until then vkstyle uses its embedded random-filter network\n", *dir)
		return nil
	}
	fmt.Fprintf(stdout, "weights in %s:\n", *dir)
	for _, f := range files {
		what := "unknown file"
		switch {
		case f.Known != nil && len(f.Known.Keys) > 0:
			what = fmt.Sprintf("%s, %s, for vkstyle adain", f.Known.Model, f.Known.Source)
		case f.Known != nil:
			what = fmt.Sprintf("%s, %s, %s input", f.Known.Model, f.Known.Source, f.Known.Convention.Name)
		}
		fmt.Fprintf(stdout, "  %-36s %10s  %s; %s\n", f.Name, fmtSize(f.Size), what, f.Status)
	}
	return nil
}

func weightsVerify(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("weights verify", stderr)
	dir := weightsDir(fs)
	pos, err := parseMixed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	var paths []string
	for _, p := range pos {
		if !strings.ContainsRune(p, os.PathSeparator) {
			p = filepath.Join(*dir, p)
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		files, err := vgg.List(*dir)
		if err != nil {
			return err
		}
		for _, f := range files {
			if !f.Partial {
				paths = append(paths, f.Path)
			}
		}
		if len(paths) == 0 {
			return fmt.Errorf("weights verify: no weight files in %s", *dir)
		}
	}
	failed := 0
	for _, p := range paths {
		sum, err := vgg.Verify(p, knownFile(filepath.Base(p)))
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "%s: FAILED: %v\n", filepath.Base(p), strings.TrimPrefix(err.Error(), "vgg: "))
			continue
		}
		fmt.Fprintf(stdout, "%s: OK, SHA-256 %s\n", filepath.Base(p), sum)
	}
	if failed > 0 {
		return fmt.Errorf("weights verify: %d of %d files failed", failed, len(paths))
	}
	return nil
}

// knownFile returns the file called name from weightFiles' tables, or
// nil to let vgg.Verify look it up.
func knownFile(name string) *vgg.File {
	for _, model := range []string{"vgg19", "vgg16"} {
		files, _ := weightFiles(model)
		for _, f := range files {
			if f.Name == name {
				return &f
			}
		}
	}
	return nil
}
