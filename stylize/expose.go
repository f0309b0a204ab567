package stylize

import (
	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/vkgraph"
	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/optim"
)

// What the command (cmd/vkstyle) and the live preview need from the
// packages below stylize, so that neither imports gpu/vkgraph or optim:
// stylize is the layer they drive.

// NonFiniteError is the error (wrapped) Run returns when the run
// diverged: the loss or the gradient became NaN or infinite. It is
// optim's type, named here so that errors.As finds it without the caller
// importing optim.
type NonFiniteError = optim.NonFiniteError

// Family is a convolution and Gram kernel family (auto, texel or
// shared): vkgraph's type, named here for the command's -kernels flag.
type Family = vkgraph.Family

// FamilyAuto lets the engine pick the family by device.
const FamilyAuto = vkgraph.FamilyAuto

// FamilyEnv is the environment variable that overrides the automatic
// choice of kernel family.
const FamilyEnv = vkgraph.FamilyEnv

// ParseFamily reads a family name: "auto", "texel" or "shared".
func ParseFamily(s string) (Family, error) { return vkgraph.ParseFamily(s) }

// KernelChoices says how the GPU engine would run on info, as name–value
// rows for `vkstyle devices`: the kernel family it picks and why, whether
// the shared-memory family can run, how inputs are read, and whether
// weights are fetched by subgroup.
func KernelChoices(info *gpu.DeviceInfo) [][2]string { return vkgraph.Choices(info) }

// Binding is the device memory of b, a buffer of e's backend such as the
// iterate a Request.Frame hook receives: its first 4·b.Len() bytes (b
// holds float32s). The caller may read it in its own submissions while
// the engine has no work pending; it must not keep it past b's life.
func (e *GPU) Binding(b graph.Buffer) gpu.Binding {
	return b.(*vkgraph.Buffer).GPU().Range(0, uint64(4*b.Len()))
}
