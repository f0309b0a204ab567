package gpu

import (
	"fmt"

	vk "github.com/vulkan-go/vulkan"
)

// swapchainExtension is the device extension presentation needs.
const swapchainExtension = "VK_KHR_swapchain"

// SurfaceFunc creates the window surface a device presents to. Open calls
// it once, right after creating the instance, with the VkInstance (a
// vulkan-go vk.Instance in an interface value), and it returns the address
// of a VkSurfaceKHR handle: exactly the shape of glfw's
//
//	func(inst any) (uintptr, error) { return win.CreateWindowSurface(inst, nil) }
//
// so that gpu need not import the window system. The device owns the
// surface from then on and destroys it when it closes (before the
// instance); the window must outlive the device.
type SurfaceFunc func(instance any) (surfaceAddr uintptr, err error)

// openSurface creates the surface through fn and makes sure the chosen
// device can present to it from the queue family it computes on, moving
// to another family with compute and present when the first cannot.
func (d *Device) openSurface(fn SurfaceFunc) error {
	addr, err := fn(d.inst.h)
	if err != nil {
		return fmt.Errorf("gpu: creating the window surface: %w", err)
	}
	if addr == 0 {
		return fmt.Errorf("gpu: creating the window surface: no surface returned")
	}
	d.surface = vk.SurfaceFromPointer(addr)
	info := &d.Info
	if !info.extensions[swapchainExtension] {
		return fmt.Errorf("gpu: device %d (%s) cannot present: it lacks %s", info.Index, info.Name, swapchainExtension)
	}
	family, bits, ok := presentFamily(info.physical, d.surface, info.ComputeFamily)
	if !ok {
		return fmt.Errorf("gpu: device %d (%s) has no queue that computes and presents to this window; choose another with -device (see `vkstyle devices`)", info.Index, info.Name)
	}
	info.ComputeFamily, info.TimestampBits = family, bits
	return nil
}

// presentFamily returns a queue family with compute that can present to
// surface, preferring the family pref, with its timestamp bits.
func presentFamily(pd vk.PhysicalDevice, surface vk.Surface, pref int) (family int, timestampBits uint32, ok bool) {
	var n uint32
	vk.GetPhysicalDeviceQueueFamilyProperties(pd, &n, nil)
	props := make([]vk.QueueFamilyProperties, n)
	vk.GetPhysicalDeviceQueueFamilyProperties(pd, &n, props)
	can := func(i int) bool {
		props[i].Deref()
		if props[i].QueueFlags&vk.QueueFlags(vk.QueueComputeBit) == 0 {
			return false
		}
		var yes vk.Bool32
		return vk.GetPhysicalDeviceSurfaceSupport(pd, uint32(i), surface, &yes) == vk.Success && yes == vk.True
	}
	order := []int{}
	if pref >= 0 && pref < int(n) {
		order = append(order, pref)
	}
	for i := 0; i < int(n); i++ {
		if i != pref {
			order = append(order, i)
		}
	}
	for _, i := range order {
		if can(i) {
			return i, props[i].TimestampValidBits, true
		}
	}
	return -1, 0, false
}

// CanPresent reports whether the device was opened with a surface
// (Options.Surface), so that NewSwapchain works.
func (d *Device) CanPresent() bool { return d.surface != nil }

func (d *Device) closeSurface() {
	if d.surface != nil && d.inst != nil && d.inst.h != nil {
		vk.DestroySurface(d.inst.h, d.surface, nil)
	}
	d.surface = nil
}
