package stylize

import (
	"fmt"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/optim"
)

// Engine is where a stylisation runs: a graph backend and an optimiser
// Space over the same memory, so the optimiser updates the image tensor
// in place and reads the gradient the graph wrote. NewGPU makes the
// Vulkan one; NewCPU the plain-Go reference.
type Engine interface {
	Backend() graph.Backend
	Space() optim.Space
	// Vector views a graph buffer as a Space vector (no copy).
	Vector(b graph.Buffer) optim.Vector
	// Budget is the memory a run may plan for, in bytes; 0 when unknown.
	Budget() int64
	// Name describes the device for messages.
	Name() string
}

// Model is a feature network: VGG19, VGG16, or the embedded random-filter
// network.
type Model interface {
	// Name is the model's name (vgg19, vgg16, embedded).
	Name() string
	// Layers lists the layer names in network order.
	Layers() []string
	// Preprocess converts an image to the network's input space (3×H×W).
	Preprocess(im *Image) []float32
	// Deprocess converts a network input back to an image (not clamped).
	Deprocess(x []float32, w, h int) *Image
	// InputScale is how many network-input units one unit of a [0, 1]
	// pixel becomes (255 for Caffe weights): the random init and Adam's
	// learning rate, which neural-style gives in Caffe units, are scaled
	// by InputScale/255.
	InputScale() float64
	// MinSide is the shortest side, in pixels, that an input needs for
	// the network to compute layers (its poolings halve the size).
	MinSide(layers []string) int
	// Geometry says how the deepest of layers sees its input: stride is
	// the input pixels between neighbouring feature positions (2^k after
	// k poolings) and radius how far, in input pixels, beyond a feature
	// position's own stride×stride block an input pixel can change it.
	// A tile whose halo is at least radius computes its interior's
	// features exactly (see tiling).
	Geometry(layers []string) (stride, radius int)
	// Features adds the network to g on x (1×3×H×W) up to the deepest of
	// layers and returns their outputs by name; its weights live on b.
	Features(g *graph.Graph, b graph.Backend, x *graph.Tensor, layers []string) (map[string]*graph.Tensor, error)
}

// limited is an Engine whose Budget is at most limit bytes
// (Options.MemoryLimit).
type limited struct {
	Engine
	limit int64
}

func (e limited) Budget() int64 {
	if b := e.Engine.Budget(); b > 0 && b < e.limit {
		return b
	}
	return e.limit
}

func (e limited) Name() string {
	return fmt.Sprintf("%s within -memory-limit %s", e.Engine.Name(), graph.FormatBytes(e.limit))
}

// scratcher is an Engine whose backend allocates scratch memory besides
// the programs' plans (the GPU's Winograd buffers), which a run within a
// memory limit bounds and plans for.
type scratcher interface {
	LimitScratch(bytes int64)
	ScratchBytes() int64
}

// scratchBytes is eng's scratch bound, 0 for an engine without scratch.
func scratchBytes(eng Engine) int64 {
	if s, ok := eng.(scratcher); ok {
		return s.ScratchBytes()
	}
	if l, ok := eng.(limited); ok {
		return scratchBytes(l.Engine)
	}
	return 0
}
