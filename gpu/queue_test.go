package gpu

import (
	"testing"

	vk "github.com/vulkan-go/vulkan"
)

// Without a window vkstyle computes on a compute-only family where there
// is one (with timestamps when profiling), else on the first compute
// family.
func TestComputeOnlyFamily(t *testing.T) {
	const (
		gfx     = vk.QueueFlags(vk.QueueGraphicsBit | vk.QueueComputeBit | vk.QueueTransferBit)
		compute = vk.QueueFlags(vk.QueueComputeBit | vk.QueueTransferBit)
		xfer    = vk.QueueFlags(vk.QueueTransferBit)
	)
	fam := func(flags vk.QueueFlags, count, bits uint32) vk.QueueFamilyProperties {
		return vk.QueueFamilyProperties{QueueFlags: flags, QueueCount: count, TimestampValidBits: bits}
	}
	nvidia := []vk.QueueFamilyProperties{fam(gfx, 16, 64), fam(xfer, 2, 64), fam(compute, 8, 64)}
	lavapipe := []vk.QueueFamilyProperties{fam(gfx, 1, 64)}
	noStamps := []vk.QueueFamilyProperties{fam(gfx, 1, 36), fam(compute, 4, 0)}
	for _, c := range []struct {
		name       string
		props      []vk.QueueFamilyProperties
		timestamps bool
		want       int
		wantBits   uint32
	}{
		{"nvidia", nvidia, false, 2, 64},
		{"nvidia/profile", nvidia, true, 2, 64},
		{"lavapipe", lavapipe, false, 0, 64},
		{"compute-only without timestamps", noStamps, false, 1, 0},
		{"compute-only without timestamps/profile", noStamps, true, 0, 36},
	} {
		got, bits := computeOnlyFamily(c.props, 0, c.props[0].TimestampValidBits, c.timestamps)
		if got != c.want || bits != c.wantBits {
			t.Errorf("%s: family %d (%d timestamp bits), want %d (%d)", c.name, got, bits, c.want, c.wantBits)
		}
	}
}
