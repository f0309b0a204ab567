package stylize

import (
	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
	"github.com/vkstyle/vkstyle/optim"
)

// cpuEngine runs on the plain-Go reference backend: slow, and exact.
type cpuEngine struct{ b *cpu.Backend[float32] }

// NewCPU returns the engine of the reference backend (graph/cpu) with
// float32 optimiser vectors: the specification the GPU is tested against.
func NewCPU() Engine { return cpuEngine{cpu.New()} }

func (e cpuEngine) Backend() graph.Backend { return e.b }
func (e cpuEngine) Space() optim.Space     { return optim.Float32Space{} }
func (e cpuEngine) Vector(b graph.Buffer) optim.Vector {
	return optim.Float32Vector(e.b.Data(b))
}
func (e cpuEngine) Budget() int64 { return 0 }
func (e cpuEngine) Name() string  { return "the CPU reference backend" }
