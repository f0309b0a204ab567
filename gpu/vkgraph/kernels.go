package vkgraph

import (
	"fmt"
	"os"
	"strings"

	"github.com/vkstyle/vkstyle/gpu"
)

// Family names a family of convolution and Gram kernels. Both compute the
// same sums in the same order (the same bits on lavapipe, tested), but for
// the shared family's sliced Gram forward (gram_sliced.go); they differ in
// how they move data.
type Family int

const (
	// FamilyAuto picks by device: FamilyShared on GPUs that can run it,
	// FamilyTexel on CPU implementations (lavapipe).
	FamilyAuto Family = iota
	// FamilyTexel: register tiles, every operand read through uniform
	// texel buffers. Lavapipe reads texel buffers an order of magnitude
	// faster than storage buffers and gains nothing from shared memory
	// (docs/DESIGN.md §5).
	FamilyTexel
	// FamilyShared: matrix products tiled through shared memory
	// (shaders/tile.glsl), 64×64 output tiles per work group of 256, the
	// way a GPU wants them: coalesced global reads, each staged value used
	// 64 times from shared memory. Convolutions that the texel family runs
	// through its gather kernel (backward-data of strided or reflect-padded
	// convolutions) stay there.
	FamilyShared
)

// sharedLocal is the work-group size of the shared-memory kernels
// (TILE_THREADS in shaders/tile.glsl), and sharedTile their output tile
// side (BM = BN).
const (
	sharedLocal = 256
	sharedTile  = 64
	sharedBytes = 2 * 16 * (sharedTile + 2) * 4 // As and Bs
)

func (k Family) String() string {
	switch k {
	case FamilyTexel:
		return "texel"
	case FamilyShared:
		return "shared"
	}
	return "auto"
}

// ParseFamily reads a family name: auto, texel or shared.
func ParseFamily(s string) (Family, error) {
	for _, k := range []Family{FamilyAuto, FamilyTexel, FamilyShared} {
		if strings.EqualFold(s, k.String()) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown kernel family %q: want auto, texel or shared", s)
}

// FamilyEnv is the environment variable that overrides the automatic
// choice of kernel family for every backend of the process.
const FamilyEnv = "VKSTYLE_KERNELS"

// CanShare says why the device info describes cannot run the
// shared-memory kernels (256 invocations and 8448 bytes of shared memory a
// work group), or nil when it can.
func CanShare(info *gpu.DeviceInfo) error {
	switch {
	case info.MaxWorkGroupInvocations < sharedLocal || info.MaxWorkGroupSize[0] < sharedLocal:
		return fmt.Errorf("work groups of %d invocations are above the device's %d", sharedLocal, min(info.MaxWorkGroupInvocations, info.MaxWorkGroupSize[0]))
	case info.MaxSharedMemory < sharedBytes:
		return fmt.Errorf("%d bytes of shared memory are above the device's %d", sharedBytes, info.MaxSharedMemory)
	}
	return nil
}

// resolve turns k into the family this backend runs on its device.
func (b *Backend) resolve(k Family) (Family, error) { return resolve(&b.dev.Info, k) }

// resolve turns k into the family a backend runs on the device info.
func resolve(info *gpu.DeviceInfo, k Family) (Family, error) {
	switch k {
	case FamilyTexel:
		return k, nil
	case FamilyShared:
		if err := CanShare(info); err != nil {
			return 0, fmt.Errorf("vkgraph: %s cannot run the shared-memory kernels: %v; use %s=texel", info.Name, err, FamilyEnv)
		}
		return k, nil
	}
	if info.Type == gpu.CPU || info.Type == gpu.Other || CanShare(info) != nil {
		return FamilyTexel, nil
	}
	return FamilyShared, nil
}

// defaultFamily is the family from $VKSTYLE_KERNELS, else auto.
func defaultFamily() (Family, error) {
	v := os.Getenv(FamilyEnv)
	if v == "" {
		return FamilyAuto, nil
	}
	k, err := ParseFamily(v)
	if err != nil {
		return 0, fmt.Errorf("vkgraph: %s: %v", FamilyEnv, err)
	}
	return k, nil
}

// Family is the family the backend runs (never FamilyAuto).
func (b *Backend) Family() Family { return b.kernels }

// SetFamily switches the family for the kernels recorded from now on;
// FamilyAuto picks by device. Asking for the shared-memory family on a
// device too small for it is an error.
func (b *Backend) SetFamily(k Family) error {
	r, err := b.resolve(k)
	if err != nil {
		return err
	}
	b.kernels = r
	return nil
}

// foldGroups returns a grid of nx × ny work groups whose x may pass the
// device's maxComputeWorkGroupCount[0]: x is folded into z, and the shader
// (tile_block_x) skips the blocks past nx. A grid the device cannot run is
// recorded as the stream's error and given as no work (dispatch skips it).
func (b *Backend) foldGroups(nx, ny uint32) [3]uint32 {
	maxX, maxZ := b.dev.Info.MaxWorkGroupCount[0], b.dev.Info.MaxWorkGroupCount[2]
	if ny > b.dev.Info.MaxWorkGroupCount[1] {
		b.s.Fail(fmt.Errorf("vkgraph: %d work groups in y are above the device's %d: use a smaller image size", ny, b.dev.Info.MaxWorkGroupCount[1]))
		return [3]uint32{}
	}
	if nx <= maxX {
		return [3]uint32{nx, ny, 1}
	}
	z := (nx + maxX - 1) / maxX
	if z > maxZ {
		b.s.Fail(fmt.Errorf("vkgraph: %d work groups are above the device's grid: use a smaller image size", nx))
		return [3]uint32{}
	}
	return [3]uint32{(nx + z - 1) / z, ny, z}
}

// subgroupWeights reports whether the texel forward convolution fetches
// its weights by subgroup on info (conv2d_fwd_sg): on CPU devices, where
// it was measured to pay, whose subgroups have 8 lanes or more with
// shuffle and vote. A GPU caches a uniform load anyway.
func subgroupWeights(info *gpu.DeviceInfo) bool {
	return info.Type == gpu.CPU && info.SubgroupShuffle && info.SubgroupSize >= 8 && convLocal%info.SubgroupSize == 0
}

// Choices says how a backend runs on info, as name–value rows for
// `vkstyle devices`: the family auto picks, whether the shared-memory
// family can run and why not, up to what length inputs are read through
// texel buffers, and whether weights are fetched by subgroup.
func Choices(info *gpu.DeviceInfo) [][2]string {
	auto, _ := resolve(info, FamilyAuto)
	why := "a GPU"
	if info.Type == gpu.CPU || info.Type == gpu.Other {
		why = "a CPU implementation reads texel buffers fastest"
	}
	shared := "yes"
	if err := CanShare(info); err != nil {
		shared, why = "no: "+err.Error(), "the shared-memory family cannot run"
	}
	sg := "no"
	if subgroupWeights(info) {
		sg = fmt.Sprintf("yes (%d lanes, shuffle and vote)", info.SubgroupSize)
	}
	texel := min(uint64(info.MaxTexelBufferElements), 1<<31-1)
	return [][2]string{
		{"kernels", fmt.Sprintf("%s (auto: %s)", auto, why)},
		{"shared", shared},
		{"reads", fmt.Sprintf("texel buffers up to %d elements (maxTexelBufferElements), storage buffers beyond", texel)},
		{"subgroup w", sg},
	}
}
