package fast

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/graph/cpu"
	"github.com/vkstyle/vkstyle/graph/graphtest"
	"github.com/vkstyle/vkstyle/stylize"
)

func goldenImage(t *testing.T, g graphtest.Golden) *stylize.Image {
	t.Helper()
	if len(g.Dims) != 4 || g.Dims[0] != 1 || g.Dims[1] != 3 {
		t.Fatalf("golden image of shape %v", g.Dims)
	}
	return &stylize.Image{W: g.Dims[3], H: g.Dims[2], Pix: g.Data}
}

func loadAdaIN(t *testing.T) *AdaIN {
	t.Helper()
	a, err := LoadAdaIN(filepath.Join("testdata", "adain-vgg.pth"), filepath.Join("testdata", "adain-decoder.pth"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Widths != [4]int{4, 8, 16, 32} {
		t.Errorf("widths %v, want the fixture's [4 8 16 32]", a.Widths)
	}
	return a
}

// AdaIN's decoder output matches PyTorch's float64 reference within 1e-4
// relative RMS for one style at alpha 1 and 0.6, a 0.7/0.3 blend of two
// styles (of other sizes than the content), and preserve_color, on the
// CPU reference and on Vulkan; PreserveColor itself matches coral.
func TestAdaINMatchesPyTorch(t *testing.T) {
	gold := goldens(t)
	content, style1, style2 := goldenImage(t, gold["content"]), goldenImage(t, gold["style1"]), goldenImage(t, gold["style2"])
	pc := PreserveColor(style1, content)
	if e := relRMS(pc.Pix, gold["adain/coral_style1"].Data); e > 1e-6 {
		t.Errorf("PreserveColor: relative RMS error %.3g against coral, want ≤ 1e-6", e)
	}
	for bname, b := range backends(t) {
		t.Run(bname, func(t *testing.T) {
			a := loadAdaIN(t)
			if err := a.Upload(b); err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			enc := func(im *stylize.Image) *StyleCode {
				s, err := a.EncodeStyle(im)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			s1, s2, s1pc := enc(style1), enc(style2), enc(pc)
			if err := a.EncodeContent(content); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				golden  string
				styles  []*StyleCode
				weights []float64
				alpha   float64
			}{
				{"adain/a1", []*StyleCode{s1}, nil, 1},
				{"adain/a06", []*StyleCode{s1}, nil, 0.6},
				{"adain/blend", []*StyleCode{s1, s2}, []float64{7, 3}, 1},
				{"adain/pc", []*StyleCode{s1pc}, nil, 1},
			} {
				y, s, err := a.decodeRaw(c.styles, c.weights, c.alpha)
				if err != nil {
					t.Fatal(err)
				}
				want := gold[c.golden]
				if dims := []int{s.N, s.C, s.H, s.W}; !equalInts(dims, want.Dims) {
					t.Fatalf("%s: output %v, want %v", c.golden, dims, want.Dims)
				}
				if e := relRMS(y, want.Data); e > 1e-4 {
					t.Errorf("%s: relative RMS error %.3g against PyTorch, want ≤ 1e-4", c.golden, e)
				} else {
					t.Logf("%s: relative RMS error %.3g", c.golden, e)
				}
			}
			im, err := a.Decode([]*StyleCode{s1}, nil, 1)
			if err != nil {
				t.Fatal(err)
			}
			if im.W != content.W || im.H != content.H {
				t.Errorf("Decode gave %d×%d, want the content's %d×%d", im.W, im.H, content.W, content.H)
			}
			for _, v := range im.Pix {
				if v < 0 || v > 1 {
					t.Fatalf("Decode sample %g outside [0, 1]", v)
				}
			}
		})
	}
}

func TestAdaINBadInput(t *testing.T) {
	a := loadAdaIN(t)
	b := cpu.New()
	if err := a.Upload(b); err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Decode(nil, nil, 1); err == nil || !strings.Contains(err.Error(), "before EncodeContent") {
		t.Errorf("Decode first: %v", err)
	}
	if err := a.EncodeContent(stylize.NewImage(8, 20)); err == nil || !strings.Contains(err.Error(), "at least 9×9") {
		t.Errorf("8×20 content: %v, want the minimum 9×9", err)
	}
	if err := a.EncodeContent(stylize.SampleContent(12, 9)); err != nil {
		t.Fatal(err)
	}
	s, err := a.EncodeStyle(stylize.SampleStyle(9, 9))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		styles  []*StyleCode
		weights []float64
		alpha   float64
		want    string
	}{
		{nil, nil, 1, "at least one style"},
		{[]*StyleCode{s}, nil, 1.5, "alpha 1.5"},
		{[]*StyleCode{s}, []float64{1, 2}, 1, "2 blend weights for 1 styles"},
		{[]*StyleCode{s, s}, []float64{0, 0}, 1, "all 0"},
		{[]*StyleCode{s, s}, []float64{1, -1}, 1, "weight -1"},
		{[]*StyleCode{{Mean: []float32{1}, Std: []float32{1}, Name: "x"}}, nil, 1, "another model"},
	} {
		if _, err := a.Decode(c.styles, c.weights, c.alpha); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Decode(%d styles, %v, %g): %v, want %q", len(c.styles), c.weights, c.alpha, err, c.want)
		}
	}
	a.Close()
	a.Close()
	if b.Live() != 0 {
		t.Errorf("%d buffers left after Close", b.Live())
	}
}

// writeSafetensors writes a safetensors file of zero float32 tensors.
func writeSafetensors(t *testing.T, path string, shapes map[string][]int) {
	t.Helper()
	header := map[string]any{}
	var off int
	for name, s := range shapes {
		n := 4
		for _, d := range s {
			n *= d
		}
		header[name] = map[string]any{"dtype": "F32", "shape": s, "data_offsets": []int{off, off + n}}
		off += n
	}
	h, _ := json.Marshal(header)
	data := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	data = append(append(data, h...), make([]byte, off)...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Files of the wrong network, or swapped, are refused in one line saying
// what they are and where they go.
func TestLoadAdaINWrongFiles(t *testing.T) {
	enc, dec := filepath.Join("testdata", "adain-vgg.pth"), filepath.Join("testdata", "adain-decoder.pth")
	wide := filepath.Join(t.TempDir(), "wide-decoder.safetensors")
	writeSafetensors(t, wide, map[string][]int{"1.weight": {16, 64, 3, 3}, "1.bias": {16}, "5.weight": {16, 16, 3, 3}})
	for _, c := range []struct {
		enc, dec string
		want     []string
	}{
		{dec, enc, []string{"-encoder", "an AdaIN decoder", "give it to -decoder"}},
		{enc, enc, []string{"-decoder", "an AdaIN encoder", "give it to -encoder"}},
		{filepath.Join("testdata", "tnet.pth"), dec, []string{"TransformerNet", "vkstyle fast -model"}},
		{filepath.Join("..", "testdata", "tiny19.pth"), dec, []string{"VGG state dict", "vkstyle render -model"}},
		{enc, wide, []string{"takes 64 channels", "relu4_1 gives 32", "not trained together"}},
		{enc, filepath.Join("testdata", "missing.pth"), []string{"missing.pth"}},
	} {
		_, err := LoadAdaIN(c.enc, c.dec)
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("LoadAdaIN(%s, %s): %v, want one line", c.enc, c.dec, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("LoadAdaIN(%s, %s): %q lacks %q", c.enc, c.dec, err, w)
			}
		}
	}
}
