package gpu

/*
#cgo LDFLAGS: -ldl
#include "vkext.h"
#include <stdlib.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// LoaderLibrary is the Vulkan loader vkstyle opens. vulkan-go's default
// loader opens "libvulkan.so", which only the -dev package installs; every
// Linux system with Vulkan has the versioned name.
const LoaderLibrary = "libvulkan.so.1"

// ErrNoLoader is wrapped by the error returned when the Vulkan loader library
// cannot be opened.
var ErrNoLoader = errors.New("gpu: no Vulkan loader")

// ErrNoDevice is wrapped by the error returned when the loader finds no
// Vulkan driver or no device.
var ErrNoDevice = errors.New("gpu: no Vulkan device")

// ErrTooLarge is wrapped by the error returned when a buffer is larger
// than the device can allocate; callers add the fix in their own terms
// (a smaller image size, fewer styles).
var ErrTooLarge = errors.New("gpu: too large for the device")

var (
	loadOnce sync.Once
	loadErr  error
)

// load opens the loader once per process and initialises vulkan-go's global
// function table from it.
func load() error {
	loadOnce.Do(func() { loadErr = loadLibrary(LoaderLibrary) })
	return loadErr
}

func loadLibrary(name string) error {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var buf [512]C.char
	if C.vkstyle_load(cname, &buf[0], C.int(len(buf))) == 0 {
		return fmt.Errorf("%w: cannot open %s (%s): install the Vulkan loader (Debian/Ubuntu: apt install libvulkan1) and a driver (mesa-vulkan-drivers for a CPU device, or your GPU vendor's driver)",
			ErrNoLoader, name, C.GoString(&buf[0]))
	}
	vk.SetGetInstanceProcAddr(C.vkstyle_get_instance_proc_addr())
	if err := vk.Init(); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrNoLoader, name, err)
	}
	return nil
}
