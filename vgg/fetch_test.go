package vgg

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestFetchFull(t *testing.T) {
	data := readFixture(t, "tiny19.pth")
	m := newMirror(t)
	m.files["/tiny19.pth"] = data
	opts, prog, _ := fetchOpts(t)
	path, err := Fetch(context.Background(), []File{tinyFile(m, data, "/tiny19.pth")}, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, data)
	if prog.bytes != int64(len(data)) || prog.closed != 1 || len(prog.starts) != 1 || prog.starts[0] != "tiny19.pth 0/"+itoa64(int64(len(data))) {
		t.Errorf("progress: %+v", prog)
	}
	// A second fetch finds it, verified, and downloads nothing.
	n := len(m.reqs())
	if p2, err := Fetch(context.Background(), []File{tinyFile(m, data, "/tiny19.pth")}, opts); err != nil || p2 != path || len(m.reqs()) != n {
		t.Errorf("second fetch: %v, %d new requests", err, len(m.reqs())-n)
	}
	// The prefix of the hash is enough when that is all that is known.
	f := tinyFile(m, data, "/tiny19.pth")
	f.SHA256 = f.SHA256[:8]
	opts.Dir = t.TempDir()
	if _, err := Fetch(context.Background(), []File{f}, opts); err != nil {
		t.Errorf("prefix hash: %v", err)
	}
}

func TestFetchResume(t *testing.T) {
	data := readFixture(t, "tiny19.pth")
	m := newMirror(t)
	m.files["/tiny19.pth"] = data
	m.cut[0] = 100000
	opts, prog, log := fetchOpts(t)
	f := tinyFile(m, data, "/tiny19.pth")
	_, err := Fetch(context.Background(), []File{f}, opts)
	if err == nil || !strings.Contains(err.Error(), "is kept: fetch again to resume") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("interrupted fetch: %v", err)
	}
	part := filepath.Join(opts.Dir, f.Name+".part")
	fi, err := os.Stat(part)
	if err != nil || fi.Size() != 100000 {
		t.Fatalf("partial file: %v, %v", fi, err)
	}
	path, err := Fetch(context.Background(), []File{f}, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, data)
	if reqs := m.reqs(); reqs[len(reqs)-1] != "/tiny19.pth bytes=100000-" {
		last := reqs[len(reqs)-1]
		t.Errorf("resume request %q", last)
	}
	if prog.starts[1] != "tiny19.pth 100000/"+itoa64(int64(len(data))) || !strings.Contains(log.String(), "resuming") {
		t.Errorf("progress %v, log %s", prog.starts, log)
	}
	// A complete .part (interrupted between download and rename) is
	// verified without downloading: the server answers 416.
	opts.Dir = t.TempDir()
	os.WriteFile(filepath.Join(opts.Dir, f.Name+".part"), data, 0o644)
	n := len(m.reqs())
	if path, err := Fetch(context.Background(), []File{f}, opts); err != nil {
		t.Errorf("complete part: %v", err)
	} else {
		checkFile(t, path, data)
	}
	if len(m.reqs()) != n+1 {
		t.Errorf("complete part: %d requests", len(m.reqs())-n)
	}
}

func TestFetchBadHash(t *testing.T) {
	data := readFixture(t, "tiny19.pth")
	m := newMirror(t)
	m.files["/tiny19.pth"] = data
	for _, bad := range []string{strings.Repeat("0", 64), "00000000"} {
		opts, _, _ := fetchOpts(t)
		f := tinyFile(m, data, "/tiny19.pth")
		f.SHA256 = bad
		_, err := Fetch(context.Background(), []File{f}, opts)
		if err == nil || !strings.Contains(err.Error(), "want "+bad) || !strings.Contains(err.Error(), "removed the download") {
			t.Errorf("bad hash %s: %v", bad, err)
		}
		left, _ := os.ReadDir(opts.Dir)
		if len(left) != 0 {
			t.Errorf("bad hash left %v", left)
		}
	}
	// A damaged file already in place is reported, not overwritten.
	opts, _, _ := fetchOpts(t)
	f := tinyFile(m, data, "/tiny19.pth")
	os.WriteFile(filepath.Join(opts.Dir, f.Name), data[:1000], 0o644)
	if _, err := Fetch(context.Background(), []File{f}, opts); err == nil || !strings.Contains(err.Error(), "already there: delete it") {
		t.Errorf("damaged file in place: %v", err)
	}
	// The right hash on a file that is not VGG-shaped: the structure check
	// refuses it (and keeps it: those are the published bytes).
	resnet := readFixture(t, "resnet.pth")
	m.files["/resnet.pth"] = resnet
	opts, _, _ = fetchOpts(t)
	f = tinyFile(m, resnet, "/resnet.pth")
	if _, err := Fetch(context.Background(), []File{f}, opts); err == nil || !strings.Contains(err.Error(), "no tensor features.0.weight") {
		t.Errorf("resnet: %v", err)
	}
}

func TestFetchSources(t *testing.T) {
	data := readFixture(t, "tiny19.pth")
	m := newMirror(t)
	m.files["/b/tiny19.pth"] = data
	opts, _, log := fetchOpts(t)
	// A dead mirror, then a live one.
	path, err := Fetch(context.Background(), []File{tinyFile(m, data, "/a/tiny19.pth", "/b/tiny19.pth")}, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, data)
	if !strings.Contains(log.String(), "404") {
		t.Errorf("log does not mention the 404:\n%s", log)
	}
	// A dead source, then the next file.
	opts.Dir = t.TempDir()
	dead := tinyFile(m, data, "/a/tiny19.pth")
	dead.Name = "dead.pth"
	path, err = Fetch(context.Background(), []File{dead, tinyFile(m, data, "/b/tiny19.pth")}, opts)
	if err != nil || filepath.Base(path) != "tiny19.pth" {
		t.Errorf("next source: %s, %v", path, err)
	}
	// All dead: one line naming each URL and where to put a manual download.
	opts.Dir = t.TempDir()
	_, err = Fetch(context.Background(), []File{dead, tinyFile(m, data, "/c/tiny19.pth")}, opts)
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	for _, w := range []string{"vgg: could not fetch vgg19 weights", m.URL + "/a/tiny19.pth: HTTP 404", m.URL + "/c/tiny19.pth: HTTP 404",
		"by hand and save it as " + filepath.Join(opts.Dir, "dead.pth")} {
		if !strings.Contains(msg, w) {
			t.Errorf("all dead: %q lacks %q", msg, w)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("all dead: more than one line: %q", msg)
	}
	// A server offering a file of another size is not downloaded.
	f := tinyFile(m, data, "/b/tiny19.pth")
	f.Size++
	if _, err := Fetch(context.Background(), []File{f}, opts); err == nil || !strings.Contains(err.Error(), "offers") {
		t.Errorf("size mismatch: %v", err)
	}
}

func TestFetchServerIgnoresRange(t *testing.T) {
	data := readFixture(t, "tiny19.pth")
	m := newMirror(t)
	m.files["/tiny19.pth"] = data
	m.noRange["/tiny19.pth"] = true
	opts, _, log := fetchOpts(t)
	f := tinyFile(m, data, "/tiny19.pth")
	part := filepath.Join(opts.Dir, f.Name+".part")
	os.WriteFile(part, data[:5000], 0o644)
	path, err := Fetch(context.Background(), []File{f}, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, data)
	if !strings.Contains(log.String(), "ignored the Range request") {
		t.Errorf("log:\n%s", log)
	}
	// A corrupt partial file is caught by the hash and removed; the next
	// fetch starts clean.
	os.Remove(path)
	os.Remove(path + recordSuffix)
	os.WriteFile(part, bytes.Repeat([]byte{1}, 5000), 0o644)
	if _, err := Fetch(context.Background(), []File{f}, opts); err == nil || !strings.Contains(err.Error(), "removed") {
		t.Errorf("corrupt part: %v", err)
	}
	if path, err := Fetch(context.Background(), []File{f}, opts); err != nil {
		t.Errorf("after a corrupt part: %v", err)
	} else {
		checkFile(t, path, data)
	}
}

func TestFetchInterruptedByContext(t *testing.T) {
	data := readFixture(t, "tiny19.pth")
	m := newMirror(t)
	m.files["/tiny19.pth"] = data
	opts, _, _ := fetchOpts(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Fetch(ctx, []File{tinyFile(m, data, "/tiny19.pth", "/other")}, opts)
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("cancelled: %v", err)
	}
	if len(m.reqs()) != 0 {
		t.Errorf("cancelled fetch made %d requests", len(m.reqs()))
	}
}

// featuresFile describes tiny19.safetensors (timm's keys) as a
// FeaturesOnly source.
func featuresFile(m *mirror, urls ...string) File {
	f := File{Model: "vgg19", Source: "timm", Name: "tiny19-features.safetensors", Convention: Torchvision,
		FeaturesOnly: true, Arch: tiny19}
	for _, u := range urls {
		f.URLs = append(f.URLs, m.URL+u)
	}
	return f
}

func checkFeatures(t *testing.T, path string) {
	t.Helper()
	want, err := readAll(fixturePath("tiny19.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for name, w := range want {
		if !strings.HasPrefix(name, "features.") {
			if _, ok := got[name]; ok {
				t.Errorf("%s was fetched", name)
			}
			continue
		}
		n++
		if !slices.Equal(got[name], w) {
			t.Errorf("%s differs", name)
		}
	}
	if len(got) != n || n != 32 {
		t.Errorf("%d tensors fetched, %d features", len(got), n)
	}
	tf, err := openTensorFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer tf.Close()
	if tf.meta["vkstyle_convention"] != "torchvision" || tf.meta["vkstyle_arch"] != "tiny19" {
		t.Errorf("metadata %v", tf.meta)
	}
	if _, err := Load(path, tiny19, nil); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(path + ".part"); err == nil {
		t.Errorf("%s.part left behind", path)
	}
}

func TestFetchFeaturesOnly(t *testing.T) {
	data := readFixture(t, "tiny19.safetensors")
	h, err := readSafetensorsHeader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var features int64
	for name, e := range h.Tensors {
		if strings.HasPrefix(name, "features.") {
			features += e.Offsets[1] - e.Offsets[0]
		}
	}
	m := newMirror(t)
	m.files["/model.safetensors"] = data
	opts, prog, _ := fetchOpts(t)
	path, err := Fetch(context.Background(), []File{featuresFile(m, "/model.safetensors")}, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkFeatures(t, path)
	// The length, the header, one run of features: nothing else.
	if reqs, sent := m.reqs(), m.sentBytes(); len(reqs) != 3 || sent != h.DataStart+features {
		t.Errorf("%d requests %v, %d bytes sent; want 3 and %d", len(reqs), reqs, sent, h.DataStart+features)
	}
	if prog.bytes != features {
		t.Errorf("progress saw %d bytes, want %d", prog.bytes, features)
	}
	if !recorded(path, featuresFile(m)) {
		t.Error("no record")
	}

	// Interrupted in the data, then resumed where it stopped.
	opts.Dir = t.TempDir()
	m.reset()
	m.mu.Lock()
	m.cut[2] = 50000
	m.mu.Unlock()
	if _, err := Fetch(context.Background(), []File{featuresFile(m, "/model.safetensors")}, opts); err == nil ||
		!strings.Contains(err.Error(), "fetch again to resume") {
		t.Fatalf("interrupted: %v", err)
	}
	path, err = Fetch(context.Background(), []File{featuresFile(m, "/model.safetensors")}, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkFeatures(t, path)
	reqs := m.reqs()
	if last := reqs[len(reqs)-1]; !strings.Contains(last, "bytes="+itoa64(h.DataStart+h.Tensors[h.sorted()[0]].Offsets[0]+50000)+"-") {
		t.Errorf("resume request %q (requests %v)", last, reqs)
	}

	// A server that ignores Range: the classifier is read past, not kept.
	m.mu.Lock()
	m.noRange["/model.safetensors"] = true
	m.mu.Unlock()
	opts.Dir = t.TempDir()
	path, err = Fetch(context.Background(), []File{featuresFile(m, "/model.safetensors")}, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkFeatures(t, path)

	// Not a VGG: the header check refuses it before any data.
	m.mu.Lock()
	m.files["/dtypes.safetensors"] = readFixture(t, "dtypes.safetensors")
	m.mu.Unlock()
	opts.Dir = t.TempDir()
	if _, err := Fetch(context.Background(), []File{featuresFile(m, "/dtypes.safetensors")}, opts); err == nil ||
		!strings.Contains(err.Error(), "no features.0.weight: not a tiny19 file") {
		t.Errorf("dtypes.safetensors: %v", err)
	}
}

func TestParseContentRange(t *testing.T) {
	for s, want := range map[string][3]int64{
		"bytes 0-7/100": {0, 100, 1}, "bytes 5-9/*": {5, -1, 1}, "bytes */42": {-1, 42, 1},
		"bytes 5-9": {0, 0, 0}, "items 0-1/2": {0, 0, 0}, "bytes x-1/2": {0, 2, 0},
	} {
		first, total, ok := parseContentRange(s)
		if ok != (want[2] == 1) || (ok && (first != want[0] || total != want[1])) {
			t.Errorf("%q: %d %d %v", s, first, total, ok)
		}
	}
}
