package vgg

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A damaged cached file: render's error names it and says how to check
// or replace it, and List flags a size that is not the published one.
func TestDamagedCachedFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "vgg19-dcbb9e9d.pth")
	if err := os.WriteFile(p, bytes.Repeat([]byte("x"), 156), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadModel(dir, "vgg19", []string{"relu4_2"})
	if err == nil {
		t.Fatal("a 156-byte VGG19 file loaded")
	}
	for _, want := range []string{p, "`vkstyle weights verify vgg19-dcbb9e9d.pth`", "delete " + p, "`vkstyle weights fetch vgg19`"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
	files, err := List(dir)
	if err != nil || len(files) != 1 {
		t.Fatalf("List: %v %v", files, err)
	}
	if c := files[0]; c.Verified || !strings.Contains(c.Status, "DAMAGED: 156 bytes, the published file 574673361") {
		t.Errorf("List says %q (verified %v) of a 156-byte VGG19", c.Status, c.Verified)
	}
}

// A NaN in a weight file is an error at load naming the file and the
// tensor, not a diverged run later.
func TestNaNWeightIsNamed(t *testing.T) {
	data := readFixture(t, "tiny19.safetensors")
	h, err := readSafetensorsHeader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	e, ok := h.Tensors["features.2.weight"]
	if !ok || e.DType != "F32" {
		t.Fatalf("fixture: features.2.weight is %+v", e)
	}
	off := h.DataStart + e.Offsets[0] + 4*5
	for _, v := range []float32{float32(math.NaN()), float32(math.Inf(-1))} {
		bad := bytes.Clone(data)
		binary.LittleEndian.PutUint32(bad[off:], math.Float32bits(v))
		p := filepath.Join(t.TempDir(), "model.safetensors")
		os.WriteFile(p, bad, 0o644)
		_, err := Load(p, tiny19, nil)
		if err == nil {
			t.Fatalf("a weight file with %v loaded", v)
		}
		for _, want := range []string{p, "features.2.weight", "element 5 of", "damaged"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%v: error lacks %q: %v", v, want, err)
			}
		}
	}
}

// -weights naming a directory says so, and names the weight files in it.
func TestWeightsDirectory(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "vgg19-dcbb9e9d.pth"), []byte("x"), 0o644)
	_, err := Load(dir, tiny19, nil)
	if err == nil || !strings.Contains(err.Error(), dir+": is a directory: give the weight file itself") || !strings.Contains(err.Error(), "such as vgg19-dcbb9e9d.pth") {
		t.Errorf("a directory as the weight file: %v", err)
	}
}
