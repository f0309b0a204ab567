package vgg

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FetchOptions configure Fetch.
type FetchOptions struct {
	// Dir is the directory files are written to, created if missing.
	// Empty means DefaultDir().
	Dir string
	// Client makes the requests; nil means http.DefaultClient. Cancel the
	// context to interrupt a download: the partial file is kept.
	Client *http.Client
	// Progress, if not nil, is called when a transfer starts, with a
	// description, the bytes already present (a resumed download) and the
	// total (−1 if unknown). Every byte downloaded is then written to the
	// writer it returns, which Fetch closes at the end of the transfer if
	// it is an io.Closer. A progress bar is such a writer.
	Progress func(desc string, done, total int64) io.Writer
	// Log, if not nil, receives a line for each failed source (the file,
	// its URL and why), resume or restart.
	Log io.Writer
	// Timeouts bound each request's waits and each source's total time
	// (see Timeouts; zero fields take DefaultTimeouts). They apply to the
	// Client Fetch makes when Client is nil; the idle and per-source
	// limits apply to any Client.
	Timeouts Timeouts
}

// Fetch downloads into opts.Dir the first of files it can get, trying
// each file's URLs in order, then the next file, and returns the path of
// the file it wrote (or found already there and verified).
//
// A download goes to NAME.part and is renamed into place only once
// verified, so a crash never leaves a file that looks complete. An
// interrupted download keeps its .part file and the next Fetch resumes it
// with an HTTP Range request; a server that ignores Range is downloaded
// from the start again. The result is checked against the file's
// SHA-256 (the full hash, or the published prefix), size and structure
// (every convolution of its architecture present with the right shape);
// on a mismatch the download is removed and the error says so. A
// verified file gets a record NAME.sha256 in sha256sum's format, which
// List reads.
//
// For a FeaturesOnly file, Fetch reads the safetensors header with a
// Range request, then only the byte ranges of the features.* tensors
// (about 80 MB of VGG19's 548 MB), and writes them as a valid, smaller
// safetensors file; it resumes the same way.
//
// When every source fails, the one-line error lists why each failed and
// where a manually downloaded file should go.
func Fetch(ctx context.Context, files []File, opts FetchOptions) (string, error) {
	if len(files) == 0 {
		return "", errors.New("vgg: Fetch: no files to fetch")
	}
	if opts.Dir == "" {
		dir, err := DefaultDir()
		if err != nil {
			return "", err
		}
		opts.Dir = dir
	}
	opts.Timeouts = opts.Timeouts.withDefaults()
	if opts.Client == nil {
		opts.Client = opts.Timeouts.client()
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return "", fmt.Errorf("vgg: %w", err)
	}
	var failures []string
	for _, f := range files {
		final := filepath.Join(opts.Dir, f.Name)
		if _, err := os.Stat(final); err == nil {
			if recorded(final, f) {
				opts.logf("%s is already there and verified", final)
				return final, nil
			}
			sum, err := verifyFile(final, f)
			if err != nil {
				msg := fmt.Sprintf("%v (already there: delete it to fetch it again)", err)
				failures = append(failures, msg)
				opts.logf("%s", msg)
				continue
			}
			if err := writeRecord(final, sum); err != nil {
				return "", fmt.Errorf("vgg: %w", err)
			}
			opts.logf("%s is already there and verified", final)
			return final, nil
		}
		for _, url := range f.URLs {
			sctx, cancel := opts.Timeouts.sourceContext(ctx)
			var err error
			if f.FeaturesOnly {
				err = opts.fetchFeatures(sctx, f, url, final)
			} else {
				err = opts.fetchFull(sctx, f, url, final)
			}
			cancel()
			if err == nil {
				return final, nil
			}
			if ctx.Err() != nil {
				failures = append(failures, fmt.Sprintf("%s: %v", url, err))
				return "", fmt.Errorf("vgg: fetching %s interrupted: %v", f.Name, strings.Join(failures, "; "))
			}
			opts.logf("%s from %s: %v", f.Name, url, err)
			failures = append(failures, fmt.Sprintf("%s: %v", url, err))
		}
	}
	f := files[0]
	return "", &FetchError{Model: f.Model, Failures: failures, URL: f.URLs[0], Path: filepath.Join(opts.Dir, f.Name)}
}

// FetchError is Fetch's error when every source failed. Its message
// lists every failure; a caller that logged them (FetchOptions.Log) can
// say less with the fields.
type FetchError struct {
	Model    string
	Failures []string // "URL: why", one per source tried
	URL      string   // the first source, to download by hand
	Path     string   // where to save it
}

func (e *FetchError) Error() string {
	return fmt.Sprintf("vgg: could not fetch %s weights: %s; download %s by hand and save it as %s",
		e.Model, strings.Join(e.Failures, "; "), e.URL, e.Path)
}

func (o *FetchOptions) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", args...)
	}
}

// progress returns the writer of opts.Progress, or io.Discard.
func (o *FetchOptions) progress(desc string, done, total int64) io.Writer {
	if o.Progress == nil {
		return io.Discard
	}
	return o.Progress(desc, done, total)
}

func closeProgress(w io.Writer) {
	if c, ok := w.(io.Closer); ok {
		c.Close()
	}
}

// errRangeNotSatisfiable is a 416 answer; total is the size the server
// reports (−1 if it does not).
type errRangeNotSatisfiable struct{ total int64 }

func (e errRangeNotSatisfiable) Error() string { return "HTTP 416 Range Not Satisfiable" }

// rangeBody is the body of a ranged GET.
type rangeBody struct {
	io.ReadCloser
	total   int64 // size of the whole file, −1 if unknown
	partial bool  // the server honoured the Range request
}

// openRange requests bytes [start, end] of url (end < 0: to the end). A
// server that ignores Range answers 200 with the whole file: the body is
// then advanced to start and, with end ≥ 0, cut after end, so callers see
// the same bytes either way (partial tells them which happened).
func (o *FetchOptions) openRange(ctx context.Context, url string, start, end int64) (*rangeBody, error) {
	w := o.Timeouts.watch(ctx)
	req, err := http.NewRequestWithContext(w.ctx, http.MethodGet, url, nil)
	if err != nil {
		w.stop()
		return nil, err
	}
	if end >= 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", start, end))
	} else if start > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", start))
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		err = w.explain(err)
		w.stop()
		return nil, err
	}
	w.progress()
	resp.Body = &watchedBody{ReadCloser: resp.Body, w: w}
	switch resp.StatusCode {
	case http.StatusPartialContent:
		first, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || first != start {
			resp.Body.Close()
			return nil, fmt.Errorf("asked for bytes from %d, got Content-Range %q", start, resp.Header.Get("Content-Range"))
		}
		return &rangeBody{ReadCloser: resp.Body, total: total, partial: true}, nil
	case http.StatusOK:
		b := &rangeBody{ReadCloser: resp.Body, total: resp.ContentLength}
		if start > 0 {
			if n, err := io.CopyN(io.Discard, resp.Body, start); err != nil {
				resp.Body.Close()
				return nil, fmt.Errorf("skipping to byte %d of a response without Range support: got %d: %v", start, n, err)
			}
		}
		if end >= 0 {
			b.ReadCloser = struct {
				io.Reader
				io.Closer
			}{io.LimitReader(resp.Body, end-start+1), resp.Body}
		}
		return b, nil
	case http.StatusRequestedRangeNotSatisfiable:
		resp.Body.Close()
		_, total, _ := parseContentRange(resp.Header.Get("Content-Range"))
		return nil, errRangeNotSatisfiable{total}
	}
	resp.Body.Close()
	return nil, fmt.Errorf("HTTP %s", resp.Status)
}

// parseContentRange parses "bytes FIRST-LAST/TOTAL" or "bytes */TOTAL";
// total is −1 for "*".
func parseContentRange(s string) (first, total int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, tot, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	total = -1
	if tot != "*" {
		var err error
		if total, err = strconv.ParseInt(tot, 10, 64); err != nil {
			return 0, 0, false
		}
	}
	if rng == "*" {
		return -1, total, true
	}
	a, _, found := strings.Cut(rng, "-")
	first, err := strconv.ParseInt(a, 10, 64)
	return first, total, found && err == nil
}

// fetchFull downloads the whole file at url into final, resuming
// final.part, then verifies it and renames it into place.
func (o *FetchOptions) fetchFull(ctx context.Context, f File, url, final string) error {
	part := final + ".part"
	var offset int64
	if fi, err := os.Stat(part); err == nil {
		offset = fi.Size()
		if f.Size > 0 && offset > f.Size {
			offset = 0
		}
	}
	body, err := o.openRange(ctx, url, offset, -1)
	var rns errRangeNotSatisfiable
	if errors.As(err, &rns) && offset > 0 {
		if rns.total == offset {
			o.logf("%s is already complete", part)
			return o.finish(f, part, final)
		}
		o.logf("the server cannot resume %s at byte %d; starting over", part, offset)
		offset = 0
		body, err = o.openRange(ctx, url, 0, -1)
	}
	if err != nil {
		return err
	}
	defer body.Close()
	switch {
	case offset > 0 && !body.partial:
		o.logf("the server ignored the Range request; skipping the %s already downloaded in its answer", fmtBytes(offset))
	case offset > 0:
		o.logf("resuming %s at %s", f.Name, fmtBytes(offset))
	}
	total := body.total
	if f.Size > 0 && total >= 0 && total != f.Size {
		return fmt.Errorf("the server offers %d bytes, the published %s has %d: wrong or changed file", total, f.Name, f.Size)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if offset == 0 {
		flags |= os.O_TRUNC
	}
	out, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return err
	}
	bar := o.progress(f.Name, offset, total)
	n, copyErr := io.Copy(io.MultiWriter(out, bar), body)
	closeProgress(bar)
	syncErr := out.Sync()
	if err := out.Close(); err != nil && copyErr == nil && syncErr == nil {
		syncErr = err
	}
	got := offset + n
	switch {
	case copyErr != nil:
		return fmt.Errorf("interrupted after %s of %s (%v); %s is kept: fetch again to resume", fmtBytes(got), fmtBytes(total), copyErr, part)
	case syncErr != nil:
		return syncErr
	case total >= 0 && got != total:
		return fmt.Errorf("the connection closed after %s of %s; %s is kept: fetch again to resume", fmtBytes(got), fmtBytes(total), part)
	}
	return o.finish(f, part, final)
}

// finish verifies a complete download and renames it into place. A
// download with the wrong size or hash is removed.
func (o *FetchOptions) finish(f File, part, final string) error {
	sum, err := verifyFile(part, f)
	if err != nil {
		if errors.Is(err, errBadDownload) {
			os.Remove(part)
			return fmt.Errorf("%v; removed the download", err)
		}
		return err
	}
	if err := os.Rename(part, final); err != nil {
		return err
	}
	if err := writeRecord(final, sum); err != nil {
		return err
	}
	o.logf("saved %s (SHA-256 %s)", final, sum)
	return nil
}

// errBadDownload marks a verification failure that means the bytes are
// wrong (hash or size), as opposed to an I/O error.
var errBadDownload = errors.New("bad download")

type badDownload struct{ msg string }

func (e badDownload) Error() string        { return e.msg }
func (e badDownload) Is(target error) bool { return target == errBadDownload }

// verifyFile checks the file at path against f: size, SHA-256 (full or
// prefix) and structure (every convolution of f's architecture loads).
// It returns the file's SHA-256. Errors carry no "vgg: " prefix; those
// that mean wrong bytes match errBadDownload.
func verifyFile(path string, f File) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !f.FeaturesOnly && f.Size > 0 && fi.Size() != f.Size {
		return "", badDownload{fmt.Sprintf("%s has %d bytes, the published file %d", path, fi.Size(), f.Size)}
	}
	sum, err := hashFile(path)
	if err != nil {
		return "", err
	}
	if f.SHA256 != "" && !strings.HasPrefix(sum, strings.ToLower(f.SHA256)) {
		return "", badDownload{fmt.Sprintf("%s has SHA-256 %s, want %s", path, sum, f.SHA256)}
	}
	if len(f.Keys) > 0 {
		return sum, checkKeys(path, f)
	}
	arch, err := f.arch()
	if err != nil {
		return "", err
	}
	if _, err := Load(path, arch, nil); err != nil {
		msg := strings.TrimPrefix(err.Error(), "vgg: ")
		if f.SHA256 == "" {
			return "", badDownload{msg}
		}
		return "", errors.New(msg) // the published bytes, but unreadable
	}
	return sum, nil
}

// checkKeys checks that the file at path is a state dict holding f.Keys.
func checkKeys(path string, f File) error {
	d, err := OpenStateDict(path)
	if err != nil {
		return badDownload{strings.TrimPrefix(err.Error(), "vgg: ")}
	}
	defer d.Close()
	for _, k := range f.Keys {
		if !d.Has(k) {
			return badDownload{fmt.Sprintf("%s has no tensor %s: not the %s file (it has %s)", path, k, f.Model, d.Describe())}
		}
	}
	return nil
}

// hashFile returns the hex SHA-256 of the file at path.
func hashFile(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fmtBytes formats n bytes, or "?" for an unknown size.
func fmtBytes(n int64) string {
	if n < 0 {
		return "?"
	}
	const unit = 1 << 20
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/unit)
}
