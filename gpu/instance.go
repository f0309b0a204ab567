package gpu

/*
#include "vkext.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// instance is a VkInstance with, when validating, its debug messenger.
type instance struct {
	h         vk.Instance
	messenger C.VkDebugUtilsMessengerEXT
	log       *validationLog
	handle    cgo.Handle
}

// newInstance creates a Vulkan 1.1 instance with the extensions exts. With
// validate it enables the Khronos validation layer (with synchronisation
// validation) and a messenger that records every warning and error into the
// returned instance's log.
func newInstance(validate bool, exts []string, warn func(string)) (*instance, error) {
	if err := load(); err != nil {
		return nil, err
	}
	app := &vk.ApplicationInfo{
		SType:            vk.StructureTypeApplicationInfo,
		PApplicationName: cstr("vkstyle"),
		PEngineName:      cstr("vkstyle"),
		ApiVersion:       vk.MakeVersion(1, 1, 0),
	}
	info := vk.InstanceCreateInfo{
		SType:            vk.StructureTypeInstanceCreateInfo,
		PApplicationInfo: app,
	}
	if validate {
		if !hasInstanceLayer(ValidationLayer) {
			return nil, fmt.Errorf("gpu: VKSTYLE_VALIDATE is set but %s is not installed (Debian/Ubuntu: apt install vulkan-validationlayers)", ValidationLayer)
		}
		info.EnabledLayerCount = 1
		info.PpEnabledLayerNames = []string{cstr(ValidationLayer)}
		exts = append(exts[:len(exts):len(exts)], "VK_EXT_debug_utils")
		info.PNext = C.vkstyle_validation_features()
	}
	for _, e := range exts {
		info.PpEnabledExtensionNames = append(info.PpEnabledExtensionNames, cstr(e))
	}
	info.EnabledExtensionCount = uint32(len(exts))
	var h vk.Instance
	defer info.Free() // vulkan-go copied it into C memory: see cmem.go
	if r := vk.CreateInstance(&info, nil, &h); r != vk.Success {
		if r == vk.ErrorIncompatibleDriver {
			return nil, fmt.Errorf("%w: the Vulkan loader found no driver: install one (mesa-vulkan-drivers for a CPU device, or your GPU vendor's driver)", ErrNoDevice)
		}
		return nil, check("vkCreateInstance", r)
	}
	if err := vk.InitInstance(h); err != nil {
		vk.DestroyInstance(h, nil)
		return nil, fmt.Errorf("gpu: loading instance functions: %w", err)
	}
	in := &instance{h: h}
	if validate {
		in.log = &validationLog{warn: warn}
		in.handle = cgo.NewHandle(in.log)
		r := C.vkstyle_create_messenger(C.VkInstance(unsafe.Pointer(h)), C.uintptr_t(in.handle), &in.messenger)
		if r != C.VK_SUCCESS {
			in.close()
			return nil, check("vkCreateDebugUtilsMessengerEXT", vk.Result(r))
		}
	}
	return in, nil
}

func (in *instance) close() {
	if in == nil || in.h == nil {
		return
	}
	if in.messenger != nil {
		C.vkstyle_destroy_messenger(C.VkInstance(unsafe.Pointer(in.h)), in.messenger)
		in.messenger = nil
	}
	vk.DestroyInstance(in.h, nil)
	in.h = nil
	if in.handle != 0 {
		in.handle.Delete()
		in.handle = 0
	}
}

// physicalDevices lists the instance's devices in the loader's order.
func (in *instance) physicalDevices() ([]vk.PhysicalDevice, error) {
	var n uint32
	if err := check("vkEnumeratePhysicalDevices", vk.EnumeratePhysicalDevices(in.h, &n, nil)); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: the Vulkan loader found no device: install a driver (mesa-vulkan-drivers for a CPU device, or your GPU vendor's driver)", ErrNoDevice)
	}
	pds := make([]vk.PhysicalDevice, n)
	if err := check("vkEnumeratePhysicalDevices", vk.EnumeratePhysicalDevices(in.h, &n, pds)); err != nil {
		return nil, err
	}
	return pds[:n], nil
}

func hasInstanceLayer(name string) bool {
	var n uint32
	if vk.EnumerateInstanceLayerProperties(&n, nil) != vk.Success || n == 0 {
		return false
	}
	props := make([]vk.LayerProperties, n)
	if vk.EnumerateInstanceLayerProperties(&n, props) != vk.Success {
		return false
	}
	for i := range props[:n] {
		props[i].Deref()
		if vk.ToString(props[i].LayerName[:]) == name {
			return true
		}
	}
	return false
}

func deviceExtensions(pd vk.PhysicalDevice) map[string]bool {
	var n uint32
	out := map[string]bool{}
	if vk.EnumerateDeviceExtensionProperties(pd, "", &n, nil) != vk.Success || n == 0 {
		return out
	}
	props := make([]vk.ExtensionProperties, n)
	if vk.EnumerateDeviceExtensionProperties(pd, "", &n, props) != vk.Success {
		return out
	}
	for i := range props[:n] {
		props[i].Deref()
		out[vk.ToString(props[i].ExtensionName[:])] = true
	}
	return out
}
