package fast

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/gputest"
	"github.com/vkstyle/vkstyle/gpu/vkgraph"
	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
	"github.com/vkstyle/vkstyle/graph/graphtest"
	"github.com/vkstyle/vkstyle/stylize"
)

// The fixtures are written by testdata/make_fixtures.py (PyTorch, float64
// references); see testdata/README.md.

func goldens(t *testing.T) map[string]graphtest.Golden {
	t.Helper()
	g, err := graphtest.ReadGoldensFile(filepath.Join("testdata", "goldens.bin"))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// relRMS returns ‖got − want‖₂ / ‖want‖₂.
func relRMS(got, want []float32) float64 {
	var d, n float64
	for i := range want {
		e := float64(got[i]) - float64(want[i])
		d += e * e
		n += float64(want[i]) * float64(want[i])
	}
	return math.Sqrt(d / n)
}

// backends returns the CPU reference and the Vulkan backend.
func backends(t *testing.T) map[string]graph.Backend {
	t.Helper()
	dev := gputest.Open(t, gpu.Options{})
	vk, err := vkgraph.New(dev, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vk.Close() }) // before the device closes
	return map[string]graph.Backend{"cpu": cpu.New(), "vulkan": vk}
}

// The network's raw output (before cropping and clamping) matches
// PyTorch's float64 output within 1e-4 relative RMS, from all three file
// forms (zip, legacy, legacy with the old running statistics), on the
// CPU reference and on Vulkan.
func TestTransformerMatchesPyTorch(t *testing.T) {
	gold := goldens(t)
	in, want := gold["content"], gold["tnet/out"]
	h, w := in.Dims[2], in.Dims[3]
	x := make([]float32, len(in.Data))
	for i, v := range in.Data {
		x[i] = float32(math.Round(float64(v) * 255)) // the 8-bit values the reference was fed
	}
	for bname, b := range backends(t) {
		for _, file := range []string{"tnet.pth", "tnet-legacy.pth", "tnet-running.pth"} {
			t.Run(bname+"/"+file, func(t *testing.T) {
				m, err := LoadTransformer(filepath.Join("testdata", file))
				if err != nil {
					t.Fatal(err)
				}
				if m.Widths != [3]int{4, 8, 16} {
					t.Errorf("widths %v, want the fixture's [4 8 16]", m.Widths)
				}
				if err := m.Upload(b); err != nil {
					t.Fatal(err)
				}
				defer m.Close()
				p, err := compile(b, w, h, []graph.Shape{graph.NCHW(1, 3, h, w)}, []string{"content"},
					func(g *graph.Graph, in []*graph.Tensor) []*graph.Tensor { return []*graph.Tensor{m.build(g, in[0])} })
				if err != nil {
					t.Fatal(err)
				}
				defer p.close()
				got, err := p.run(x)
				if err != nil {
					t.Fatal(err)
				}
				s := p.outs[0].Shape()
				if dims := []int{s.N, s.C, s.H, s.W}; !equalInts(dims, want.Dims) {
					t.Fatalf("output %v, want %v", dims, want.Dims)
				}
				if ow, oh := OutputSize(w, h); ow != s.W || oh != s.H {
					t.Errorf("OutputSize(%d, %d) = %d×%d, the network gives %d×%d", w, h, ow, oh, s.W, s.H)
				}
				if e := relRMS(got, want.Data); e > 1e-4 {
					t.Errorf("relative RMS error %.3g against PyTorch, want ≤ 1e-4", e)
				} else {
					t.Logf("relative RMS error %.3g", e)
				}
			})
		}
	}
}

// Stylize returns the input's size, cropped from the network's larger
// output, divided by 255 and clamped, and reuses its program for the
// next image of that size.
func TestTransformerStylize(t *testing.T) {
	gold := goldens(t)
	in, want := gold["content"], gold["tnet/out"]
	h, w := in.Dims[2], in.Dims[3]
	m, err := LoadTransformer(filepath.Join("testdata", "tnet.pth"))
	if err != nil {
		t.Fatal(err)
	}
	b := cpu.New()
	if err := m.Upload(b); err != nil {
		t.Fatal(err)
	}
	content := &stylize.Image{W: w, H: h, Pix: in.Data}
	im, err := m.Stylize(content)
	if err != nil {
		t.Fatal(err)
	}
	if im.W != w || im.H != h {
		t.Fatalf("result %d×%d, want the input's %d×%d", im.W, im.H, w, h)
	}
	ow := want.Dims[3]
	clamped := 0
	for c := 0; c < 3; c++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := want.Data[(c*want.Dims[2]+y)*ow+x] / 255
				if v < 0 || v > 1 {
					clamped++
				}
				v = min(max(v, 0), 1)
				if d := math.Abs(float64(im.At(c, x, y) - v)); d > 1e-4 {
					t.Fatalf("sample (%d, %d, %d) = %g, want %g", c, x, y, im.At(c, x, y), v)
				}
			}
		}
	}
	if clamped == 0 {
		t.Error("the fixture's output never leaves 0–255: the clamp is untested")
	}
	prog := m.prog
	if _, err := m.Stylize(content); err != nil || m.prog != prog {
		t.Errorf("second image of the same size: err %v, program reused %v", err, m.prog == prog)
	}
	m.Close()
	m.Close()
	if b.Live() != 0 {
		t.Errorf("%d buffers left after Close", b.Live())
	}
}

func TestTransformerTooSmall(t *testing.T) {
	m, err := LoadTransformer(filepath.Join("testdata", "tnet.pth"))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Upload(cpu.New()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	_, err = m.Stylize(stylize.NewImage(4, 9))
	if err == nil || !strings.Contains(err.Error(), "at least 5×5") {
		t.Errorf("4×9 image: error %v, want one naming the minimum 5×5", err)
	}
	for _, side := range []int{5, 6, 7} {
		if _, err := m.Stylize(stylize.NewImage(side, side)); err != nil {
			t.Errorf("%d×%d: %v", side, side, err)
		}
	}
}

// A file of another network is refused with one line naming the command
// that takes it.
func TestLoadTransformerWrongFile(t *testing.T) {
	for file, want := range map[string]string{
		"../testdata/tiny19.pth":       "give it to vkstyle render -model",
		"testdata/adain-vgg.pth":       "give it to vkstyle adain -encoder",
		"testdata/adain-decoder.pth":   "give it to vkstyle adain -decoder",
		"../testdata/rgb.png":          "rgb.png: neither a PyTorch .pth",
		"testdata/no-such-weights.pth": "no such file",
	} {
		_, err := LoadTransformer(file)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line containing %q", file, err, want)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
