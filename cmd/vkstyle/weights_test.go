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
	oneLineError(t, code, last, "want 00000000", "removed the download", "by hand and save it as "+filepath.Join(dir, "tiny19-caffe.pth"))
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
