package stylize

import (
	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/vgg"
)

// NetModel is a vgg.Net as a Model: VGG19, VGG16 or the embedded
// random-filter network.
type NetModel struct {
	name string
	net  *vgg.Net
}

// FromNet wraps n under name ("vgg19", "vgg16", "embedded").
func FromNet(name string, n *vgg.Net) *NetModel { return &NetModel{name: name, net: n} }

// Net is the wrapped network.
func (m *NetModel) Net() *vgg.Net { return m.net }

func (m *NetModel) Name() string     { return m.name }
func (m *NetModel) Layers() []string { return m.net.Arch.Names() }

// InputScale is how many network-input units one unit of a [0, 1] pixel
// value becomes: 255 for Caffe weights, about 4.4 for torchvision's.
func (m *NetModel) InputScale() float64 {
	c := m.net.Convention
	return c.Scale * 3 / (c.Std[0] + c.Std[1] + c.Std[2])
}

func (m *NetModel) Preprocess(im *Image) []float32 {
	out := make([]float32, len(im.Pix))
	m.net.Convention.Preprocess(out, im.Pix)
	return out
}

func (m *NetModel) Deprocess(x []float32, w, h int) *Image {
	im := NewImage(w, h)
	m.net.Convention.Deprocess(im.Pix, x)
	return im
}

// MinSide is the shortest side, in pixels, an input needs for layers:
// each pooling on the way to the deepest halves the size (rounding down)
// and needs at least 2, so k poolings need 2^k.
func (m *NetModel) MinSide(layers []string) int {
	side := 1
	for i, need := range m.net.Arch.Needed(layers) {
		if need && m.net.Arch.Layers[i].Kind == vgg.Pool {
			side *= 2
		}
	}
	return side
}

// Geometry walks the layers the deepest of layers needs: a k×k
// convolution at stride s widens the radius by s·(k/2), a 2×2 pooling at
// stride s by s (its window's far pixel) and doubles the stride.
func (m *NetModel) Geometry(layers []string) (stride, radius int) {
	type geo struct{ stride, radius int }
	at := map[string]geo{"": {1, 0}}
	stride = 1
	need := m.net.Arch.Needed(layers)
	for i, l := range m.net.Arch.Layers {
		if !need[i] {
			continue
		}
		g := at[l.Input]
		switch l.Kind {
		case vgg.Conv:
			g.radius += g.stride * (l.Kernel / 2)
		case vgg.Pool:
			g.radius += g.stride
			g.stride *= 2
		}
		at[l.Name] = g
		stride, radius = max(stride, g.stride), max(radius, g.radius)
	}
	return stride, radius
}

// Features uploads the weights to b on first use and adds the network.
func (m *NetModel) Features(g *graph.Graph, b graph.Backend, x *graph.Tensor, layers []string) (map[string]*graph.Tensor, error) {
	if err := m.net.Upload(b); err != nil {
		return nil, err
	}
	return m.net.Features(g, x, layers)
}

// Close frees the weights on the device.
func (m *NetModel) Close() { m.net.Close() }
