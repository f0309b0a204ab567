package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vkstyle/vkstyle/vgg"
	"github.com/vkstyle/vkstyle/vgg/vggtest"
)

// fakeWeights serves vgg/testdata's tiny VGG19 files from a local server
// and makes the weights commands use them as the known files.
func fakeWeights(t *testing.T) (dir string, srv *httptest.Server) {
	t.Helper()
	files := map[string][]byte{}
	for _, name := range []string{"tiny19.pth", "tiny19.safetensors"} {
		b, err := os.ReadFile(vggtest.Testdata(name))
		if err != nil {
			t.Fatal(err)
		}
		files["/"+name] = b
	}
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
	}))
	t.Cleanup(srv.Close)
	sum := sha256.Sum256(files["/tiny19.pth"])
	table := []vgg.File{
		{Model: "vgg19", Source: "torchvision", Name: "tiny19.pth", URLs: []string{srv.URL + "/gone.pth", srv.URL + "/tiny19.pth"},
			Size: int64(len(files["/tiny19.pth"])), SHA256: hex.EncodeToString(sum[:]), Convention: vgg.Torchvision, Arch: vggtest.Tiny19},
		{Model: "vgg19", Source: "timm", Name: "tiny19-features.safetensors", URLs: []string{srv.URL + "/tiny19.safetensors"},
			Convention: vgg.Torchvision, FeaturesOnly: true, Arch: vggtest.Tiny19},
		{Model: "vgg19", Source: "caffe", Name: "tiny19-caffe.pth", URLs: []string{srv.URL + "/tiny19.pth"},
			SHA256: "00000000", Convention: vgg.Caffe, Arch: vggtest.Tiny19},
	}
	old := weightFiles
	weightFiles = func(model string, sources ...string) ([]vgg.File, error) {
		if model != "vgg19" {
			return old(model, sources...)
		}
		if len(sources) == 0 {
			return table, nil
		}
		var out []vgg.File
		for _, s := range sources {
			for _, f := range table {
				if f.Source == s {
					out = append(out, f)
				}
			}
		}
		if len(out) == 0 {
			return nil, os.ErrNotExist
		}
		return out, nil
	}
	t.Cleanup(func() { weightFiles = old })
	return t.TempDir(), srv
}

func TestWeightsFetchListVerify(t *testing.T) {
	dir, _ := fakeWeights(t)
	code, out, stderr := vkstyle(t, "weights", "fetch", "-dir", dir)
	if code != 0 || !strings.Contains(out, "vgg19 weights: "+filepath.Join(dir, "tiny19.pth")) {
		t.Fatalf("fetch: %d %q %q", code, out, stderr)
	}
	// The progress bar shows bytes; the log the dead mirror.
	if !strings.Contains(stderr, "KB") && !strings.Contains(stderr, "kB") || !strings.Contains(stderr, "404") {
		t.Errorf("fetch stderr lacks a progress bar or the 404:\n%s", stderr)
	}
	// Flags after the model; only the conv tensors from safetensors.
	code, out, stderr = vkstyle(t, "weights", "fetch", "vgg19", "-source", "timm", "-dir", dir, "-q")
	if code != 0 || !strings.Contains(out, "tiny19-features.safetensors") {
		t.Fatalf("fetch -source timm: %d %q %q", code, out, stderr)
	}
	code, out, _ = vkstyle(t, "weights", "list", "-dir", dir)
	if code != 0 || !strings.Contains(out, "tiny19.pth") || !strings.Contains(out, "tiny19-features.safetensors") ||
		strings.Count(out, "checked") < 2 {
		t.Errorf("list: %d\n%s", code, out)
	}
	code, out, stderr = vkstyle(t, "weights", "verify", "-dir", dir)
	if code != 0 || strings.Count(out, ": OK, SHA-256 ") != 2 {
		t.Errorf("verify: %d\n%s%s", code, out, stderr)
	}
	// A damaged file fails verification and the command says which.
	os.WriteFile(filepath.Join(dir, "tiny19.pth"), []byte("PK\x03\x04 not really"), 0o644)
	code, out, stderr = vkstyle(t, "weights", "verify", "-dir", dir, "tiny19.pth")
	if !strings.Contains(out, "tiny19.pth: FAILED") {
		t.Errorf("verify damaged: %q", out)
	}
	oneLineError(t, code, stderr, "1 of 1 files failed")
}

func TestWeightsFetchErrors(t *testing.T) {
	dir, srv := fakeWeights(t)
	// The Caffe entry's hash prefix is wrong: the download is removed.
	code, _, stderr := vkstyle(t, "weights", "fetch", "-source", "caffe", "-dir", dir, "-q")
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	last := lines[len(lines)-1] + "\n"
	oneLineError(t, code, last, "1 source failed, above", "by hand and save it as "+filepath.Join(dir, "tiny19-caffe.pth"))
	if why := lines[len(lines)-2]; !strings.Contains(why, "want 00000000") || !strings.Contains(why, "removed the download") {
		t.Errorf("the failed source's line: %q", why)
	}
	if _, err := os.Stat(filepath.Join(dir, "tiny19-caffe.pth.part")); err == nil {
		t.Error("bad download kept")
	}
	code, _, stderr = vkstyle(t, "weights", "fetch", "-source", "dropbox", "-dir", dir)
	oneLineError(t, code, stderr)
	code, _, stderr = vkstyle(t, "weights", "fetch", "alexnet", "-dir", dir)
	oneLineError(t, code, stderr, "alexnet")
	if code, _, _ := vkstyle(t, "weights"); code != 2 {
		t.Errorf("weights without a command: status %d, want 2", code)
	}
	if code, _, _ := vkstyle(t, "weights", "fetch", "vgg19", "vgg16"); code != 2 {
		t.Errorf("two models: status %d, want 2", code)
	}
	code, _, stderr = vkstyle(t, "weights", "frobnicate")
	oneLineError(t, code, stderr, `unknown command "frobnicate"`)
	code, out, _ := vkstyle(t, "weights", "list", "-dir", filepath.Join(dir, "empty"))
	if code != 0 || !strings.Contains(out, "no weight files") || !strings.Contains(out, "vkstyle weights fetch vgg19") {
		t.Errorf("list of nothing: %d %q", code, out)
	}
	_ = srv
}

// A source that stalls after its headers is given up after -timeout: one
// line per source on stderr, then one with the manual download, the
// .part file kept for a later resume.
func TestWeightsFetchGivesUp(t *testing.T) {
	dir, _ := fakeWeights(t)
	release := make(chan struct{})
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write(make([]byte, 10))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer stall.Close()
	defer close(release)
	old := weightFiles
	weightFiles = func(model string, sources ...string) ([]vgg.File, error) {
		return []vgg.File{{Model: "vgg19", Source: "torchvision", Name: "stalled.pth", Size: 1000, Arch: vggtest.Tiny19,
			URLs: []string{stall.URL + "/a.pth", stall.URL + "/b.pth"}}}, nil
	}
	defer func() { weightFiles = old }()
	start := time.Now()
	code, _, stderr := vkstyle(t, "weights", "fetch", "-dir", dir, "-q", "-timeout", "300ms")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("two stalled sources with -timeout 300ms took %v", took)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	var failed []string
	for _, l := range lines {
		if strings.Contains(l, "no data for 300ms") {
			failed = append(failed, l)
		}
	}
	if len(failed) != 2 || !strings.Contains(failed[0], "/a.pth: ") || !strings.Contains(failed[1], "/b.pth: ") {
		t.Errorf("want a line per source, then the summary:\n%s", stderr)
	}
	oneLineError(t, code, lines[len(lines)-1]+"\n", "2 sources failed, above", "download "+stall.URL+"/a.pth by hand")
	if fi, err := os.Stat(filepath.Join(dir, "stalled.pth.part")); err != nil || fi.Size() != 10 {
		t.Errorf("the .part file was not kept: %v", err)
	}
	code, _, stderr = vkstyle(t, "weights", "fetch", "-dir", dir, "-timeout", "0s")
	oneLineError(t, code, stderr, "-timeout 0s")
}
