package fast

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/vgg"
)

// Transformer is a fast_neural_style TransformerNet (pytorch/examples,
// after Johnson et al. 2016) loaded on the host:
//
//	conv1 9×9/1 → in1 → ReLU → conv2 3×3/2 → in2 → ReLU → conv3 3×3/2 → in3 → ReLU
//	→ res1…res5 (conv 3×3 → in → ReLU → conv 3×3 → in, plus the block's input)
//	→ nearest ×2 → deconv1 3×3/1 → in4 → ReLU → nearest ×2 → deconv2 3×3/1 → in5 → ReLU
//	→ deconv3 9×9/1
//
// Every convolution pads by reflection, k/2 on each side; every "in" is
// InstanceNorm2d(affine=True), eps 1e-5. The input is RGB in 0–255 and
// so is the output, which is clamped. The channel widths (32, 64, 128 in
// every published model) are read from the weights.
type Transformer struct {
	// Path is the file the weights came from.
	Path string
	// Widths are the channels after conv1, conv2 and conv3.
	Widths [3]int
	p      *params
	prog   *program
}

// transformerConvs lists the convolutions: key prefix, kernel, stride,
// upsampling before it, and the widths (index into Widths, −1 for RGB)
// of input and output.
var transformerConvs = func() []tconv {
	cs := []tconv{{"conv1", 9, 1, 1, -1, 0}, {"conv2", 3, 2, 1, 0, 1}, {"conv3", 3, 2, 1, 1, 2}}
	for i := 1; i <= 5; i++ {
		cs = append(cs, tconv{fmt.Sprintf("res%d.conv1", i), 3, 1, 1, 2, 2}, tconv{fmt.Sprintf("res%d.conv2", i), 3, 1, 1, 2, 2})
	}
	return append(cs, tconv{"deconv1", 3, 1, 2, 2, 1}, tconv{"deconv2", 3, 1, 2, 1, 0}, tconv{"deconv3", 9, 1, 1, 0, -1})
}()

type tconv struct {
	key               string
	k, stride, up     int
	inWidth, outWidth int
}

// norm returns the key of the instance norm after convolution c, or ""
// for deconv3, which has none.
func (c tconv) norm() string {
	switch {
	case c.key == "deconv3":
		return ""
	case strings.HasPrefix(c.key, "res"):
		return strings.Replace(c.key, ".conv", ".in", 1)
	case strings.HasPrefix(c.key, "deconv"):
		return map[string]string{"deconv1": "in4", "deconv2": "in5"}[c.key]
	}
	return "in" + strings.TrimPrefix(c.key, "conv")
}

// runningStat matches the running statistics that InstanceNorm2d saved
// in PyTorch before 0.4; fast_neural_style deletes them before loading,
// and so does LoadTransformer.
var runningStat = regexp.MustCompile(`in\d+\.running_(mean|var)$`)

// LoadTransformer reads a TransformerNet state dict (.pth in either
// format, or safetensors). Errors are one line naming the file; a file
// of another network (a VGG for render, AdaIN's encoder or decoder) says
// which command takes it.
func LoadTransformer(path string) (*Transformer, error) {
	d, err := vgg.OpenStateDict(path)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	m, err := readTransformer(d)
	if err != nil {
		return nil, fmt.Errorf("fast: %s: %w", path, err)
	}
	m.Path = path
	return m, nil
}

func readTransformer(d *vgg.StateDict) (*Transformer, error) {
	w1, ok := d.Shape("conv1.conv2d.weight")
	if !ok {
		return nil, errors.New(misfiled(d, "a fast_neural_style TransformerNet (no tensor conv1.conv2d.weight)", "vkstyle fast"))
	}
	w2, _ := d.Shape("conv2.conv2d.weight")
	w3, _ := d.Shape("conv3.conv2d.weight")
	if len(w1) != 4 || len(w2) != 4 || len(w3) != 4 {
		return nil, fmt.Errorf("conv1, conv2 and conv3 weights are %v, %v and %v: not a TransformerNet's 4-D convolution weights", w1, w2, w3)
	}
	m := &Transformer{Widths: [3]int{int(w1[0]), int(w2[0]), int(w3[0])}, p: newParams("TransformerNet")}
	width := func(i int) int64 {
		if i < 0 {
			return 3
		}
		return int64(m.Widths[i])
	}
	used := map[string]bool{}
	for _, c := range transformerConvs {
		in, out, k := width(c.inWidth), width(c.outWidth), int64(c.k)
		what := fmt.Sprintf("TransformerNet %s, %d→%d channels, %d×%d", c.key, in, out, k, k)
		for _, t := range []struct {
			suffix string
			file   []int64
			s      graph.Shape
		}{
			{".conv2d.weight", []int64{out, in, k, k}, graph.NCHW(int(out), int(in), int(k), int(k))},
			{".conv2d.bias", []int64{out}, graph.NCHW(1, 1, 1, int(out))},
		} {
			if err := m.p.read(d, c.key+t.suffix, t.file, t.s, what); err != nil {
				return nil, err
			}
			used[c.key+t.suffix] = true
		}
		if n := c.norm(); n != "" {
			for _, suffix := range []string{".weight", ".bias"} {
				what := fmt.Sprintf("TransformerNet %s, InstanceNorm2d(%d, affine=True)", n, out)
				if err := m.p.read(d, n+suffix, []int64{out}, graph.NCHW(1, 1, 1, int(out)), what); err != nil {
					return nil, err
				}
				used[n+suffix] = true
			}
		}
	}
	for _, k := range d.Keys() {
		if !used[k] && !runningStat.MatchString(k) {
			return nil, fmt.Errorf("unexpected tensor %s: not in a TransformerNet state dict (a different network, or a modified TransformerNet)", k)
		}
	}
	return m, nil
}

// Bytes is the size of the weights.
func (m *Transformer) Bytes() int64 { return m.p.bytes() }

// MinSide is the smallest image side the network takes: conv1's
// reflection padding of 4 needs 5 pixels, and the third level (a
// quarter of the side, rounded up) needs 2 for its padding of 1.
const MinSide = 5

// OutputSize returns the size the network produces for a w×h input: each
// stride-2 convolution rounds up, each upsampling doubles, so an odd side
// comes out larger (23 → 12 → 6 → 24). Stylize crops it back.
func OutputSize(w, h int) (int, int) {
	down := func(s int) int { return (s-1)/2 + 1 }
	return 4 * down(down(w)), 4 * down(down(h))
}

// build adds the network to g, reading x (1×3×H×W, 0–255).
func (m *Transformer) build(g *graph.Graph, x *graph.Tensor) *graph.Tensor {
	conv := func(h *graph.Tensor, c tconv) *graph.Tensor {
		if c.up > 1 {
			h = g.UpsampleNearest(h, c.up)
		}
		w, b := m.p.constant(g, c.key+".conv2d.weight"), m.p.constant(g, c.key+".conv2d.bias")
		return g.Conv2D(h, w, b, graph.ConvOpts{Stride: c.stride, Pad: c.k / 2, Reflect: true})
	}
	norm := func(h *graph.Tensor, key string) *graph.Tensor {
		return g.InstanceNorm(h, m.p.constant(g, key+".weight"), m.p.constant(g, key+".bias"), 1e-5)
	}
	h := x
	cs := transformerConvs
	for _, c := range cs[:3] {
		h = g.ReLU(norm(conv(h, c), c.norm()))
	}
	for i := 3; i < 13; i += 2 {
		r := h
		h = g.ReLU(norm(conv(h, cs[i]), cs[i].norm()))
		h = norm(conv(h, cs[i+1]), cs[i+1].norm())
		h = g.WeightedSum([]*graph.Tensor{h, r}, []float32{1, 1})
	}
	for _, c := range cs[13:15] {
		h = g.ReLU(norm(conv(h, c), c.norm()))
	}
	return conv(h, cs[15])
}

// Upload copies the weights to b; again with the same backend it does
// nothing. Close before moving to another backend.
func (m *Transformer) Upload(b graph.Backend) error { return m.p.upload(b) }

// Close frees the device copies of the weights and the compiled
// program; the host weights stay. Closing twice is harmless.
func (m *Transformer) Close() {
	m.prog.close()
	m.prog = nil
	m.p.close()
}
