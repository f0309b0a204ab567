package vgg

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLocate(t *testing.T) {
	dir := t.TempDir()
	_, err := LocateIn(dir, "vgg19")
	want := "vgg: no vgg19 weights in " + dir + ": run `vkstyle weights fetch vgg19`, or download " +
		"https://download.pytorch.org/models/vgg19-dcbb9e9d.pth and save it as " + filepath.Join(dir, "vgg19-dcbb9e9d.pth")
	if err == nil || err.Error() != want {
		t.Errorf("empty dir:\n got %v\nwant %s", err, want)
	}
	os.WriteFile(filepath.Join(dir, "vgg19-dcbb9e9d.pth.part"), []byte("x"), 0o644)
	if _, err := LocateIn(dir, "vgg19"); err == nil || !strings.Contains(err.Error(), "a partial download, vgg19-dcbb9e9d.pth.part, is there") {
		t.Errorf("partial: %v", err)
	}
	// Any known file of the model will do, in table order.
	os.WriteFile(filepath.Join(dir, "vgg19-d01eb7cb.pth"), []byte("x"), 0o644)
	if p, err := LocateIn(dir, "vgg19"); err != nil || filepath.Base(p) != "vgg19-d01eb7cb.pth" {
		t.Errorf("caffe file: %s, %v", p, err)
	}
	os.WriteFile(filepath.Join(dir, "vgg19-dcbb9e9d.pth"), []byte("x"), 0o644)
	if p, err := LocateIn(dir, "vgg19"); err != nil || filepath.Base(p) != "vgg19-dcbb9e9d.pth" {
		t.Errorf("torchvision file: %s, %v", p, err)
	}
	if _, err := LocateIn(dir, "vgg16"); err == nil || !strings.Contains(err.Error(), "vgg16-397923af.pth") {
		t.Errorf("vgg16: %v", err)
	}
	if _, err := LocateIn(dir, "alexnet"); err == nil {
		t.Error("alexnet located")
	}
	t.Setenv("VKSTYLE_WEIGHTS_DIR", dir)
	if p, err := Locate("vgg19"); err != nil || filepath.Dir(p) != dir {
		t.Errorf("Locate with VKSTYLE_WEIGHTS_DIR: %s, %v", p, err)
	}
}

func TestLoadModel(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"embedded", "random"} {
		n, err := LoadModel(dir, name, []string{"relu4_2"})
		if err != nil || n.Arch != RandomArch {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := LoadModel(dir, "vgg19", []string{"relu4_2"}); err == nil || !strings.Contains(err.Error(), "vkstyle weights fetch vgg19") {
		t.Errorf("vgg19 without weights: %v", err)
	}
	if _, err := LoadModel(dir, "vgg19", []string{"relu9_1"}); err == nil || !strings.Contains(err.Error(), "relu9_1") {
		t.Errorf("bad layer: %v", err)
	}
	if _, err := LoadModel(dir, "inception", nil); err == nil || !strings.Contains(err.Error(), "vgg19, vgg16, embedded") {
		t.Errorf("unknown model: %v", err)
	}
	// A Caffe file loads with the Caffe convention, by its known name.
	data, _ := os.ReadFile(fixturePath("tiny19.pth"))
	p := filepath.Join(dir, "vgg19-d01eb7cb.pth")
	os.WriteFile(p, data, 0o644)
	n, err := Load(p, tiny19, []string{"relu1_1"})
	if err != nil || n.Convention.Name != "caffe" {
		t.Errorf("caffe file: %v, %+v", err, n)
	}
}

func TestListAndVerify(t *testing.T) {
	dir := t.TempDir()
	if l, err := List(filepath.Join(dir, "none")); err != nil || len(l) != 0 {
		t.Errorf("missing dir: %v, %v", l, err)
	}
	data, _ := os.ReadFile(fixturePath("tiny19.pth"))
	// A file under a known name but with other bytes: Verify names both
	// hashes and leaves the file.
	bad := filepath.Join(dir, "vgg19-dcbb9e9d.pth")
	os.WriteFile(bad, data, 0o644)
	os.WriteFile(filepath.Join(dir, "vgg16-397923af.pth.part"), data[:1000], 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	own := filepath.Join(dir, "mine.safetensors")
	st, _ := os.ReadFile(fixturePath("tiny19.safetensors"))
	os.WriteFile(own, st, 0o644)

	l, err := List(dir)
	if err != nil || len(l) != 3 {
		t.Fatalf("List: %+v, %v", l, err)
	}
	if l[0].Name != "mine.safetensors" || l[0].Known != nil || l[0].Verified || !strings.Contains(l[0].Status, "not verified") {
		t.Errorf("own file: %+v", l[0])
	}
	if l[1].Name != "vgg16-397923af.pth.part" || !l[1].Partial || !strings.Contains(l[1].Status, "0 %") {
		t.Errorf("partial: %+v", l[1])
	}
	if l[2].Known == nil || l[2].Known.Source != "torchvision" || l[2].Size != int64(len(data)) {
		t.Errorf("known: %+v", l[2])
	}

	_, err = Verify(bad, nil)
	if err == nil || !strings.Contains(err.Error(), "the published file 574673361") {
		t.Errorf("Verify wrong size: %v", err)
	}
	if _, err := os.Stat(bad); err != nil {
		t.Error("Verify removed the file")
	}
	// Our own file is checked against VGG19 (its name says nothing), and
	// fails on shapes; a tiny19 File passes.
	if _, err := Verify(own, nil); err == nil || !strings.Contains(err.Error(), "want 64×3×3×3") || !strings.HasPrefix(err.Error(), "vgg: ") {
		t.Errorf("Verify own: %v", err)
	}
	sum, err := Verify(own, &File{Name: "mine.safetensors", Arch: tiny19})
	if err != nil || len(sum) != 64 {
		t.Fatalf("Verify as tiny19: %s, %v", sum, err)
	}
	l, _ = List(dir)
	if !l[0].Verified || !strings.Contains(l[0].Status, "checked") {
		t.Errorf("after verify: %+v", l[0])
	}
	// A record that disagrees with the published hash, on a file whose
	// size is not the published one either: the size says it first.
	writeRecord(bad, sum)
	l, _ = List(dir)
	if l[2].Verified || !strings.Contains(l[2].Status, "DAMAGED") {
		t.Errorf("wrong record: %+v", l[2])
	}
}

func TestKnownTable(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Known() {
		if seen[f.Name] {
			t.Errorf("%s twice", f.Name)
		}
		seen[f.Name] = true
		if len(f.URLs) == 0 || f.Provenance == "" {
			t.Errorf("%s: %d URLs, provenance %q", f.Name, len(f.URLs), f.Provenance)
		}
		if len(f.Keys) > 0 { // another network: checked by its keys, no hash known
			if f.SHA256 != "" || f.FeaturesOnly {
				t.Errorf("%s: keys-checked with hash %q, features-only %v", f.Name, f.SHA256, f.FeaturesOnly)
			}
			continue
		}
		if _, err := f.arch(); err != nil {
			t.Errorf("%s: arch %v", f.Name, err)
		}
		// torchvision's and neural-style-pt's names carry the first 8
		// hex digits of the SHA-256.
		if !f.FeaturesOnly && !strings.Contains(f.Name, "-"+f.SHA256[:8]+".") {
			t.Errorf("%s: hash %s does not match the name", f.Name, f.SHA256)
		}
		if f.FeaturesOnly != (f.SHA256 == "") {
			t.Errorf("%s: FeaturesOnly %v with hash %q", f.Name, f.FeaturesOnly, f.SHA256)
		}
	}
	fs, err := KnownFiles("vgg19", "caffe", "torchvision")
	if err != nil || len(fs) != 2 || fs[0].Source != "caffe" {
		t.Errorf("KnownFiles(vgg19, caffe, torchvision): %v, %v", fs, err)
	}
	if _, err := KnownFiles("vgg19", "dropbox"); err == nil || !strings.Contains(err.Error(), "torchvision, timm, caffe") {
		t.Errorf("unknown source: %v", err)
	}
	// The AdaIN files are verified by their keys, not as a VGG.
	for _, c := range []struct{ model, fixture string }{{"adain-encoder", "encoder"}, {"adain-decoder", "decoder"}} {
		fs, err := KnownFiles(c.model)
		if err != nil || len(fs) != 1 {
			t.Fatalf("KnownFiles(%s): %v, %v", c.model, fs, err)
		}
		src := filepath.Join("..", "fast", "testdata", "adain-"+map[string]string{"encoder": "vgg", "decoder": "decoder"}[c.fixture]+".pth")
		if sum, err := verifyFile(src, fs[0]); err != nil || len(sum) != 64 {
			t.Errorf("verify %s as %s: %s, %v", src, c.model, sum, err)
		}
		wrong := filepath.Join("..", "testdata", "tiny19.pth")
		if _, err := verifyFile(wrong, fs[0]); err == nil || !strings.Contains(err.Error(), "not the "+c.model+" file") {
			t.Errorf("verify tiny19.pth as %s: %v", c.model, err)
		}
	}
	// Known returns a copy.
	k := Known()
	k[0].URLs[0] = "x"
	if Known()[0].URLs[0] == "x" {
		t.Error("Known shares its URLs")
	}
}
