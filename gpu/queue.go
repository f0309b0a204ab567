package gpu

import vk "github.com/vulkan-go/vulkan"

// Which queue vkstyle computes on.
//
// With a window (Options.Surface) the queue must also present, which in
// practice means the family that has graphics too (surface.go). Without
// one, Open moves to a queue family with compute and without graphics
// where the device has one (AMD's and NVIDIA's "async compute" families,
// Intel's compute engines), as ggml's Vulkan backend does. The reasons:
// the kernel driver schedules such a queue on a ring of its own, apart
// from the graphics ring the desktop compositor draws with, so a long
// evaluation neither stalls the desktop's frames nor is stalled by them.
// The work is the same compute dispatches and transfers, which every
// compute family supports. Profiling keeps the
// first family when the compute-only one has no timestamps. Lavapipe has
// one family, so nothing changes there.

// computeOnlyFamily returns the queue family to compute on without a
// window, and its timestamp bits: the first family with compute and
// without graphics, unless timestamps are needed and it has none; else
// current (the first family with compute) and currentBits.
func computeOnlyFamily(props []vk.QueueFamilyProperties, current int, currentBits uint32, timestamps bool) (int, uint32) {
	for i, p := range props {
		compute := p.QueueFlags&vk.QueueFlags(vk.QueueComputeBit) != 0
		graphics := p.QueueFlags&vk.QueueFlags(vk.QueueGraphicsBit) != 0
		if compute && !graphics && p.QueueCount > 0 && (!timestamps || p.TimestampValidBits > 0) {
			return i, p.TimestampValidBits
		}
	}
	return current, currentBits
}

// useComputeOnlyFamily moves the device, before it is created, to the
// family computeOnlyFamily picks.
func (d *Device) useComputeOnlyFamily() {
	info := &d.Info
	if info.ComputeFamily < 0 {
		return
	}
	var n uint32
	vk.GetPhysicalDeviceQueueFamilyProperties(info.physical, &n, nil)
	props := make([]vk.QueueFamilyProperties, n)
	vk.GetPhysicalDeviceQueueFamilyProperties(info.physical, &n, props)
	for i := range props {
		props[i].Deref()
	}
	info.ComputeFamily, info.TimestampBits = computeOnlyFamily(props[:n], info.ComputeFamily, info.TimestampBits, d.opts.Profile)
}
