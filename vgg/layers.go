package vgg

import (
	"fmt"
	"strings"
)

// Kind is what a layer computes.
type Kind int

const (
	// Conv is a 2-D convolution with bias, stride 1 and zero padding
	// Kernel/2 on every side, so the output has the input's height and
	// width (torch.nn.Conv2d(In, Out, Kernel, padding=Kernel/2)).
	Conv Kind = iota
	// ReLU is max(x, 0).
	ReLU
	// Pool is a 2×2, stride-2 pooling, max or average as Net.Pooling says.
	Pool
)

// String returns "conv", "relu" or "pool".
func (k Kind) String() string {
	switch k {
	case Conv:
		return "conv"
	case ReLU:
		return "relu"
	case Pool:
		return "pool"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Layer is one layer of an architecture.
type Layer struct {
	Name   string // "conv1_1", "relu1_1", "pool1"
	Kind   Kind
	Input  string // the layer it reads; "" for the network input
	In     int    // input channels
	Out    int    // output channels (In for ReLU and Pool)
	Kernel int    // kernel height and width of a Conv (odd); 0 otherwise
	// Reflect makes a Conv pad by reflection instead of with zeros.
	Reflect bool
	// Key is the prefix of a Conv's tensors in weight files: torchvision's
	// "features.N" names "features.N.weight" (Out×In×Kernel×Kernel) and
	// "features.N.bias" (Out). Empty for other kinds and generated weights.
	Key string
}

// Arch is a network architecture: its layers in an order in which every
// layer comes after its Input.
type Arch struct {
	Name   string
	Layers []Layer
	index  map[string]int
}

// Configurations of Simonyan & Zisserman (2014), "Very Deep Convolutional
// Networks for Large-Scale Image Recognition", table 1, in torchvision's
// notation (torchvision/models/vgg.py, cfgs "D" and "E") with its 'M'
// (max pooling) written as 0.
var (
	cfgVGG16 = []int{64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0}
	cfgVGG19 = []int{64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0}
)

// VGG19 and VGG16 are the feature parts of torchvision's vgg19 and vgg16
// (configurations E and D): 3×3 convolutions with padding 1, each
// followed by a ReLU, and a 2×2 pooling after each block, named like
// neural-style: conv1_1, relu1_1, conv1_2, relu1_2, pool1, conv2_1, …,
// relu5_4 (relu5_3 for VGG16), pool5. Layer i of torchvision's
// vgg.features is the i-th layer here, so conv1_1's weights are
// "features.0.weight" and conv5_1's "features.28.weight" (VGG19).
var (
	VGG19 = mustVGG("vgg19", cfgVGG19)
	VGG16 = mustVGG("vgg16", cfgVGG16)
)

// NewVGG returns a VGG architecture from a configuration in torchvision's
// notation: a channel count for each 3×3 convolution (each followed by a
// ReLU) and 0 for each 2×2 pooling. Layers are named like VGG19's; Key
// is "features.N", N counting convolutions, ReLUs and poolings from 0.
func NewVGG(name string, cfg []int) (*Arch, error) {
	var layers []Layer
	block, conv, in, prev := 1, 1, 3, ""
	for _, c := range cfg {
		idx := len(layers)
		switch {
		case c < 0:
			return nil, fmt.Errorf("vgg: %s: negative channel count %d", name, c)
		case c == 0:
			l := Layer{Name: fmt.Sprintf("pool%d", block), Kind: Pool, Input: prev, In: in, Out: in}
			layers = append(layers, l)
			prev, block, conv = l.Name, block+1, 1
		default:
			cn, rn := fmt.Sprintf("conv%d_%d", block, conv), fmt.Sprintf("relu%d_%d", block, conv)
			layers = append(layers,
				Layer{Name: cn, Kind: Conv, Input: prev, In: in, Out: c, Kernel: 3, Key: fmt.Sprintf("features.%d", idx)},
				Layer{Name: rn, Kind: ReLU, Input: cn, In: c, Out: c})
			prev, in, conv = rn, c, conv+1
		}
	}
	return NewArch(name, layers)
}

func mustVGG(name string, cfg []int) *Arch {
	a, err := NewVGG(name, cfg)
	if err != nil {
		panic(err)
	}
	return a
}

// NewArch returns an architecture of the given layers after checking
// that names are unique, every Input names an earlier layer, channel
// counts chain, and convolution kernels are odd.
func NewArch(name string, layers []Layer) (*Arch, error) {
	a := &Arch{Name: name, Layers: append([]Layer(nil), layers...), index: make(map[string]int, len(layers))}
	for i, l := range a.Layers {
		if l.Name == "" {
			return nil, fmt.Errorf("vgg: %s: layer %d has no name", name, i)
		}
		if _, dup := a.index[l.Name]; dup {
			return nil, fmt.Errorf("vgg: %s: two layers named %s", name, l.Name)
		}
		in := 3
		if l.Input != "" {
			j, ok := a.index[l.Input]
			if !ok {
				return nil, fmt.Errorf("vgg: %s: layer %s reads %s, which does not come before it", name, l.Name, l.Input)
			}
			in = a.Layers[j].Out
		}
		switch {
		case l.In != in:
			return nil, fmt.Errorf("vgg: %s: layer %s has %d input channels, its input has %d", name, l.Name, l.In, in)
		case l.Kind == Conv && (l.Out < 1 || l.Kernel < 1 || l.Kernel%2 == 0):
			return nil, fmt.Errorf("vgg: %s: conv %s: %d outputs, kernel %d: want ≥ 1 and an odd kernel", name, l.Name, l.Out, l.Kernel)
		case l.Kind != Conv && l.Out != l.In:
			return nil, fmt.Errorf("vgg: %s: %s %s changes channels %d → %d", name, l.Kind, l.Name, l.In, l.Out)
		}
		a.index[l.Name] = i
	}
	return a, nil
}

// ArchByName returns VGG19 for "vgg19" and VGG16 for "vgg16".
func ArchByName(name string) (*Arch, error) {
	switch strings.ToLower(name) {
	case "vgg19":
		return VGG19, nil
	case "vgg16":
		return VGG16, nil
	}
	return nil, fmt.Errorf("vgg: unknown architecture %q: want vgg19 or vgg16", name)
}

// Layer returns the layer called name.
func (a *Arch) Layer(name string) (Layer, bool) {
	i, ok := a.index[name]
	if !ok {
		return Layer{}, false
	}
	return a.Layers[i], true
}

// Names returns the layer names in order.
func (a *Arch) Names() []string {
	out := make([]string, len(a.Layers))
	for i, l := range a.Layers {
		out[i] = l.Name
	}
	return out
}

// Check returns an error naming the first of layers that a does not have.
func (a *Arch) Check(layers []string) error {
	for _, name := range layers {
		if _, ok := a.index[name]; !ok {
			return fmt.Errorf("vgg: %s has no layer %q (its layers are %s)", a.Name, name, a.summary())
		}
	}
	return nil
}

// summary lists the layer names compactly: "conv1_1, relu1_1, … pool5".
func (a *Arch) summary() string {
	names := a.Names()
	if len(names) <= 12 {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:6], ", ") + ", …, " + strings.Join(names[len(names)-3:], ", ")
}

// Deepest returns the requested layer that comes last in a's order: a
// run needs the network built up to it and no further. It returns an
// error for an unknown name or an empty list.
func (a *Arch) Deepest(layers []string) (string, error) {
	if err := a.Check(layers); err != nil {
		return "", err
	}
	if len(layers) == 0 {
		return "", fmt.Errorf("vgg: %s: no layers requested", a.Name)
	}
	best := layers[0]
	for _, name := range layers[1:] {
		if a.index[name] > a.index[best] {
			best = name
		}
	}
	return best, nil
}

// Needed returns, by layer index, whether computing the given layers
// needs each layer: the layers themselves and everything they read,
// directly or not. nil layers means all of them. Names must be valid.
func (a *Arch) Needed(layers []string) []bool {
	need := make([]bool, len(a.Layers))
	if layers == nil {
		for i := range need {
			need[i] = true
		}
		return need
	}
	for _, name := range layers {
		if i, ok := a.index[name]; ok {
			need[i] = true
		}
	}
	for i := len(a.Layers) - 1; i >= 0; i-- {
		if need[i] && a.Layers[i].Input != "" {
			need[a.index[a.Layers[i].Input]] = true
		}
	}
	return need
}

// Convs returns the convolutions that computing layers needs (all of
// them for nil), in order. Names must be valid.
func (a *Arch) Convs(layers []string) []Layer {
	var out []Layer
	for i, n := range a.Needed(layers) {
		if n && a.Layers[i].Kind == Conv {
			out = append(out, a.Layers[i])
		}
	}
	return out
}
