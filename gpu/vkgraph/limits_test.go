package vkgraph_test

import (
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/vkgraph"
	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
	"github.com/vkstyle/vkstyle/graph/graphtest"
	"github.com/vkstyle/vkstyle/vgg/vggtest"
)

// minimumBackend is a backend on the test device with every limit clamped
// to the Vulkan 1.1 minimum (gpu.LimitsMinimum).
func minimumBackend(t testing.TB) *vkgraph.Backend {
	t.Helper()
	return newBackend(t, gpu.Options{Limits: gpu.LimitsMinimum})
}

// Under the minimum limits the device reports them, the automatic family
// is the texel one (the shared-memory kernels need 256 invocations), and
// asking for the shared family is one clear error naming the limit and
// the device.
func TestMinimumLimits(t *testing.T) {
	b := minimumBackend(t)
	info := b.Stream().Device().Info
	m := gpu.MinimumLimits
	for _, c := range []struct {
		name      string
		got, want uint64
	}{
		{"maxTexelBufferElements", uint64(info.MaxTexelBufferElements), uint64(m.MaxTexelBufferElements)},
		{"maxStorageBufferRange", info.MaxStorageBufferRange, m.MaxStorageBufferRange},
		{"minStorageBufferOffsetAlignment", info.StorageOffsetAlignment, 256},
		{"minTexelBufferOffsetAlignment", info.TexelOffsetAlignment, 256},
		{"maxComputeWorkGroupInvocations", uint64(info.MaxWorkGroupInvocations), 128},
		{"maxComputeSharedMemorySize", uint64(info.MaxSharedMemory), 16384},
		{"maxComputeWorkGroupCount[0]", uint64(info.MaxWorkGroupCount[0]), 65535},
		{"maxPerStageDescriptorStorageBuffers", uint64(info.MaxStorageBuffers), 4},
		{"maxPushConstantsSize", uint64(info.MaxPushConstants), 128},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d under the minimum limits, want %d", c.name, c.got, c.want)
		}
	}
	if info.SubgroupShuffle || info.Float16 || info.Limits != gpu.LimitsMinimum {
		t.Errorf("subgroup shuffle %v, fp16 %v, limits %q: want false, false, %q", info.SubgroupShuffle, info.Float16, info.Limits, gpu.LimitsMinimum)
	}
	if b.Family() != vkgraph.FamilyTexel {
		t.Errorf("auto picked %v under the minimum limits, want texel", b.Family())
	}
	err := b.SetFamily(vkgraph.FamilyShared)
	if err == nil || !strings.Contains(err.Error(), "256 invocations") || !strings.Contains(err.Error(), info.Name) || strings.Contains(err.Error(), "\n") {
		t.Errorf("SetFamily(shared) under the minimum limits: %v; want one line naming the work-group limit and the device", err)
	}
	// 16 KiB of shared memory alone (with enough invocations) rules the
	// family out too.
	small := info
	small.MaxWorkGroupInvocations, small.MaxWorkGroupSize[0], small.MaxSharedMemory = 256, 256, 8192
	if vkgraph.CanShare(&small) == nil {
		t.Errorf("CanShare with 8 KiB of shared memory: want false")
	}
	small.MaxSharedMemory = 16384
	if err := vkgraph.CanShare(&small); err != nil {
		t.Errorf("CanShare with 256 invocations and 16 KiB of shared memory: want true (the tiles take %d bytes): %v", 2*16*66*4, err)
	}
}

// storageCases are convolutions and Gram matrices whose tensors are longer
// than the Vulkan minimum's 65536 texels, so that on a device with that
// limit (SwiftShader, or gpu.LimitsMinimum) they run the kernels'
// _storage variants; on a device with a larger limit they run the texel
// ones, and both must agree with the reference.
func storageCases() []opCase {
	randn := normals(5, 17)
	var cs []opCase
	convs := []graph.Conv2DParams{
		// x: 8·96·96 = 73728 elements; the weights small.
		{N: 1, CIn: 8, H: 96, W: 96, COut: 5, KH: 3, KW: 3, Stride: 1, Pad: 1},
		// w: 96·80·9 = 69120 elements; x small.
		{N: 1, CIn: 80, H: 6, W: 7, COut: 96, KH: 3, KW: 3, Stride: 1, Pad: 1},
		// The gather backward (stride 2, reflect) on an x past the limit.
		{N: 2, CIn: 3, H: 110, W: 101, COut: 4, KH: 3, KW: 3, Stride: 2, Pad: 1, Reflect: true},
	}
	for _, p := range convs {
		cs = append(cs, convCase(randn, p))
	}
	// Features past the limit: HW a multiple of 4 (vec4 reads) and not.
	for _, s := range []graph.Shape{graph.NCHW(1, 6, 120, 100), graph.NCHW(2, 5, 97, 71)} {
		cs = append(cs, gramCase(randn, s))
	}
	return cs
}

// TestStorageReads runs storageCases under the minimum limits (texel
// buffers of 65536 elements, offsets aligned to 256 bytes, 128
// invocations, 4 storage buffers per stage) against the reference, and
// bit for bit against the device's own limits: the storage variants make
// the same sums in the same order.
func TestStorageReads(t *testing.T) {
	compareStorageReads(t, minimumBackend(t), newBackend(t, gpu.Options{}))
}

// compareStorageReads runs storageCases on small (texel buffers of 65536
// elements) and whole (the device's limit) against the reference, and
// checks that both give the same bits.
func compareStorageReads(t *testing.T, small, whole *vkgraph.Backend) {
	ref := cpu.New()
	for _, c := range storageCases() {
		t.Run(c.name, func(t *testing.T) {
			want := run(t, ref, c)
			got := run(t, small, c)
			unclamped := run(t, whole, c)
			for i := range want {
				graphtest.Compare(t, c.outs[i], got[i], want[i], c.tol)
				if j := firstDiff(got[i], unclamped[i]); j >= 0 {
					t.Errorf("%s: 65536-texel limit and device limit differ at [%d]: %g vs %g", c.outs[i], j, got[i][j], unclamped[i][j])
				}
			}
		})
	}
}

// storageCases on the shared-memory family (where the device can run it)
// with texel buffers of 65536 elements and the device's other limits: its
// _storage variants against the reference, and bit for bit against its
// texel-read kernels.
func TestStorageReadsShared(t *testing.T) {
	compareStorageReads(t, newBackendKernels(t, gpu.Options{MaxTexelElements: 65536}, vkgraph.FamilyShared),
		newBackendKernels(t, gpu.Options{}, vkgraph.FamilyShared))
}

// The whole conformance suite, and full-size VGG19 with random weights
// at 64×64 (conv1's activations of 262144 elements and conv5's weights of
// 2.4 million are far past 65536 texels), under the minimum limits.
func TestBackendMinimum(t *testing.T) { graphtest.TestBackend(t, minimumBackend(t)) }

func TestFullVGG19Minimum(t *testing.T) { vggtest.FullVGG19(t, minimumBackend(t), 64) }

// The split conformance suite under the minimum limits: bindings of
// splitBinding bytes that must start on 256-byte boundaries, so most runs
// begin below their first plane (what failed on SwiftShader before).
func TestBackendSplitMinimum(t *testing.T) {
	graphtest.TestBackend(t, newBackend(t, gpu.Options{MaxBindingRange: splitBinding, Limits: gpu.LimitsMinimum}))
}

// The subgroup weight fetch needs 8 lanes with shuffle and vote on a CPU
// device: not SwiftShader's 4, not a subgroup of 1 (the minimum), not a
// GPU.
func TestSubgroupWeightsNeeds8Lanes(t *testing.T) {
	for _, c := range []struct {
		typ     gpu.DeviceType
		lanes   uint32
		shuffle bool
		want    bool
	}{
		{gpu.CPU, 8, true, true},
		{gpu.CPU, 16, true, true},
		{gpu.CPU, 4, true, false},
		{gpu.CPU, 1, false, false},
		{gpu.CPU, 8, false, false},
		{gpu.CPU, 128, true, false}, // more lanes than a work group of 64
		{gpu.Discrete, 32, true, false},
	} {
		info := gpu.DeviceInfo{Type: c.typ, SubgroupSize: c.lanes, SubgroupShuffle: c.shuffle}
		if got := vkgraph.SubgroupWeights(&info); got != c.want {
			t.Errorf("%v device, %d lanes, shuffle %v: subgroup weights %v, want %v", c.typ, c.lanes, c.shuffle, got, c.want)
		}
	}
}
