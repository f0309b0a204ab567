package vgg

import (
	"fmt"

	"github.com/vkstyle/vkstyle/graph"
)

// Pooling selects the 2×2 pooling of a Net's Pool layers.
type Pooling int

const (
	// MaxPool is the maximum of each window: VGG as trained, and the
	// default of neural-style and neural-style-pt (-pooling max).
	MaxPool Pooling = iota
	// AvgPool is the mean of each window. Gatys, Ecker & Bethge (2015)
	// replace max pooling by average pooling, which they found to give
	// slightly more appealing results.
	AvgPool
	// L2Pool is L2PoolScale times the L2 norm of each window, the l2
	// pooling of crowsonkb/style-transfer-pytorch (graph.L2Pool2x2).
	L2Pool
)

// L2PoolScale is L2Pool's factor: crowsonkb's, which keeps VGG19's
// activations near the size they have with max pooling, that the
// weights were trained with.
const L2PoolScale = 0.78

// String returns "max", "avg" or "l2".
func (p Pooling) String() string {
	switch p {
	case AvgPool:
		return "avg"
	case L2Pool:
		return "l2"
	}
	return "max"
}

// ParsePooling returns MaxPool for "max", AvgPool for "avg" and L2Pool
// for "l2".
func ParsePooling(s string) (Pooling, error) {
	switch s {
	case "max":
		return MaxPool, nil
	case "avg":
		return AvgPool, nil
	case "l2":
		return L2Pool, nil
	}
	return 0, fmt.Errorf("vgg: unknown pooling %q: want max, avg or l2", s)
}

// ConvWeights are one convolution's parameters on the host.
type ConvWeights struct {
	W []float32 // Out×In×Kernel×Kernel, row-major like torch.nn.Conv2d.weight
	B []float32 // Out
}

// Net is a feature network with frozen weights: an Arch, the weights of
// its convolutions (all of them, or those up to the deepest layer a run
// needs) held as host []float32, and their copies on one device once
// Upload has run. Features adds the network to a graph, its weights as
// Constants bound to the uploaded buffers, so they get no gradient and
// cost no backward-weight kernels; one upload serves every graph (the
// target pass and the optimisation loop).
//
// A Net is not safe for concurrent use.
type Net struct {
	Arch *Arch
	// Pooling is used by every Pool layer; the zero value is MaxPool.
	Pooling Pooling
	// Convention is the input preprocessing the weights expect.
	Convention Convention
	// Source names where the weights came from: a file path, or
	// "random(seed N)" for generated weights.
	Source string

	convs map[string]*convParam
	dev   graph.Backend
}

// convParam is a convolution's weights on the host and, after Upload,
// on the device.
type convParam struct {
	ConvWeights
	w, b graph.Buffer
}

// NewNet returns a Net of arch with the given convolution weights, by
// layer name. Convolutions without weights may be left out; Features
// then refuses layers that need them. It returns an error for a name
// that is not a convolution of arch or weights of the wrong size.
func NewNet(arch *Arch, weights map[string]ConvWeights, conv Convention) (*Net, error) {
	n := &Net{Arch: arch, Convention: conv, convs: make(map[string]*convParam, len(weights))}
	for name, cw := range weights {
		l, ok := arch.Layer(name)
		if !ok || l.Kind != Conv {
			return nil, fmt.Errorf("vgg: %s has no convolution %s", arch.Name, name)
		}
		if len(cw.W) != l.Out*l.In*l.Kernel*l.Kernel || len(cw.B) != l.Out {
			return nil, fmt.Errorf("vgg: %s %s: %d weights and %d biases, want %d×%d×%d×%d and %d",
				arch.Name, name, len(cw.W), len(cw.B), l.Out, l.In, l.Kernel, l.Kernel, l.Out)
		}
		n.convs[name] = &convParam{ConvWeights: cw}
	}
	return n, nil
}

// Bytes returns the size of the loaded weights as float32.
func (n *Net) Bytes() int64 {
	var b int64
	for _, p := range n.convs {
		b += 4 * int64(len(p.W)+len(p.B))
	}
	return b
}

// Check returns an error unless every one of layers exists and the
// weights its computation needs are loaded.
func (n *Net) Check(layers []string) error {
	if err := n.Arch.Check(layers); err != nil {
		return err
	}
	for _, l := range n.Arch.Convs(layers) {
		if _, ok := n.convs[l.Name]; !ok {
			return fmt.Errorf("vgg: %s weights from %s do not include %s, which %v need; load them with the deepest layer the run uses",
				n.Arch.Name, n.Source, l.Name, layers)
		}
	}
	return nil
}

// Upload allocates device buffers on b for the loaded weights and copies
// them there. Calling it again with the same backend does nothing; Close
// first to move to another. On error nothing stays allocated.
func (n *Net) Upload(b graph.Backend) error {
	if n.dev != nil {
		if n.dev == b {
			return nil
		}
		return fmt.Errorf("vgg: %s weights are already on another backend; Close the Net first", n.Arch.Name)
	}
	n.dev = b
	for _, l := range n.Arch.Layers {
		p, ok := n.convs[l.Name]
		if !ok {
			continue
		}
		var err error
		if p.w, err = n.upload(p.W, l.Name+".weight"); err == nil {
			p.b, err = n.upload(p.B, l.Name+".bias")
		}
		if err != nil {
			n.Close()
			return err
		}
	}
	return nil
}

func (n *Net) upload(data []float32, name string) (graph.Buffer, error) {
	name = n.Arch.Name + "." + name
	buf, err := n.dev.Alloc(len(data), name)
	if err != nil {
		return nil, fmt.Errorf("vgg: uploading %s (%s): %w", name, graph.FormatBytes(4*int64(len(data))), err)
	}
	if err := n.dev.Upload(buf, data); err != nil {
		n.dev.Free(buf)
		return nil, fmt.Errorf("vgg: uploading %s: %w", name, err)
	}
	return buf, nil
}

// Close frees the device buffers; the host weights stay, so Upload may
// be called again. Closing twice is harmless.
func (n *Net) Close() {
	if n.dev == nil {
		return
	}
	for _, p := range n.convs {
		for _, buf := range []*graph.Buffer{&p.w, &p.b} {
			if *buf != nil {
				n.dev.Free(*buf)
				*buf = nil
			}
		}
	}
	n.dev = nil
}

// Features adds to g the layers of the network that computing layers
// needs, reading x (N×3×H×W, preprocessed with n.Convention), and
// returns the requested layers' outputs by name. Nothing deeper than
// the deepest requested layer is built. Outputs are named after their
// layers ("relu4_2"); weights are Constants named "vgg19.conv1_1.weight"
// bound to the buffers of Upload, which must have run.
//
// It returns an error for an unknown layer, missing weights, a missing
// Upload, an input without 3 channels, or one too small for the pooling
// the layers need (each Pool halves height and width, rounding down, and
// needs at least 2×2).
func (n *Net) Features(g *graph.Graph, x *graph.Tensor, layers []string) (map[string]*graph.Tensor, error) {
	if err := n.Check(layers); err != nil {
		return nil, err
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("vgg: %s Features: no layers requested", n.Arch.Name)
	}
	if n.dev == nil {
		return nil, fmt.Errorf("vgg: %s Features before Upload", n.Arch.Name)
	}
	s := x.Shape()
	if s.C != 3 {
		return nil, fmt.Errorf("vgg: %s input %s has %d channels, want 3", n.Arch.Name, x, s.C)
	}
	need := n.Arch.Needed(layers)
	size := map[string][2]int{"": {s.H, s.W}}
	for i, l := range n.Arch.Layers {
		if !need[i] {
			continue
		}
		hw := size[l.Input]
		if l.Kind == Pool {
			if hw[0] < 2 || hw[1] < 2 {
				return nil, fmt.Errorf("vgg: %s input %d×%d is too small for %s (it sees %d×%d; each pooling halves the size)",
					n.Arch.Name, s.H, s.W, l.Name, hw[0], hw[1])
			}
			hw = [2]int{hw[0] / 2, hw[1] / 2}
		}
		size[l.Name] = hw
	}
	built := map[string]*graph.Tensor{"": x}
	for i, l := range n.Arch.Layers {
		if !need[i] {
			continue
		}
		in := built[l.Input]
		var y *graph.Tensor
		switch l.Kind {
		case Conv:
			p := n.convs[l.Name]
			w := g.Constant(n.Arch.Name+"."+l.Name+".weight", graph.NCHW(l.Out, l.In, l.Kernel, l.Kernel))
			b := g.Constant(n.Arch.Name+"."+l.Name+".bias", graph.NCHW(1, l.Out, 1, 1))
			w.Bind(p.w)
			b.Bind(p.b)
			y = g.Conv2D(in, w, b, graph.ConvOpts{Pad: l.Kernel / 2, Reflect: l.Reflect})
		case ReLU:
			y = g.ReLU(in)
		case Pool:
			switch n.Pooling {
			case AvgPool:
				y = g.AvgPool2x2(in)
			case L2Pool:
				y = g.L2Pool2x2(in, L2PoolScale)
			default:
				y = g.MaxPool2x2(in)
			}
		}
		built[l.Name] = y.SetName(l.Name)
	}
	out := make(map[string]*graph.Tensor, len(layers))
	for _, name := range layers {
		out[name] = built[name]
	}
	return out, nil
}
