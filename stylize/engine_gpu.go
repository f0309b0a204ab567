package stylize

import (
	"fmt"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/vkgraph"
	"github.com/vkstyle/vkstyle/gpu/vkoptim"
	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/optim"
)

// GPU is the Vulkan engine: the graph backend and the optimiser's vectors
// record into one stream, so an iteration's forward, backward and vector
// work is submitted together with one wait (in pieces of at most the
// device's work budget, gpu.Options.SubmitGFLOP), and only scalars come
// back.
type GPU struct {
	dev   *gpu.Device
	b     *vkgraph.Backend
	space *vkoptim.Space
}

// NewGPU returns the engine of dev. Close it before the device.
func NewGPU(dev *gpu.Device) (*GPU, error) {
	b, err := vkgraph.New(dev, nil)
	if err != nil {
		return nil, err
	}
	return &GPU{dev: dev, b: b, space: vkoptim.New(b.Stream())}, nil
}

func (e *GPU) Backend() graph.Backend { return e.b }

// Family is the convolution and Gram kernel family the engine runs.
func (e *GPU) Family() Family { return e.b.Family() }

// SetFamily picks the kernel family for the work
// recorded from now on.
func (e *GPU) SetFamily(k Family) error { return e.b.SetFamily(k) }

// Device is the engine's device.
func (e *GPU) Device() *gpu.Device { return e.dev }

// Stream is the stream the engine records into (for its timings).
func (e *GPU) Stream() *gpu.Stream { return e.b.Stream() }
func (e *GPU) Space() optim.Space  { return e.space }

// Vector views a graph buffer of the backend as an optimiser vector.
func (e *GPU) Vector(b graph.Buffer) optim.Vector {
	buf := b.(*vkgraph.Buffer)
	return vkoptim.Wrap(buf.GPU(), buf.Len())
}

// Budget is the device-local memory vkstyle may plan for: the heap's
// budget (VK_EXT_memory_budget where present, else its size) less what
// other processes use, with 10% kept free for the driver.
func (e *GPU) Budget() int64 {
	_, _, budget := e.dev.MemoryUsage()
	return int64(float64(budget) * 0.9)
}

// LimitScratch bounds the memory the backend allocates besides the
// programs' plans (vkgraph.Backend.SetScratchLimit).
func (e *GPU) LimitScratch(bytes int64) { e.b.SetScratchLimit(bytes) }

// ScratchBytes is the most memory the backend allocates besides the
// programs' plans (vkgraph.Backend.ScratchBound).
func (e *GPU) ScratchBytes() int64 { return e.b.ScratchBound() }

func (e *GPU) Name() string { return fmt.Sprintf("%s (device %d)", e.dev.Info.Name, e.dev.Info.Index) }

// Close frees the engine's stream and vectors.
func (e *GPU) Close() error {
	err := e.space.Close()
	if berr := e.b.Close(); err == nil {
		err = berr
	}
	return err
}
