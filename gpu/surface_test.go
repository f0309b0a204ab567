package gpu_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/gputest"
)

// A compute-only device cannot present: NewSwapchain says so. (The
// swapchain itself is exercised under Xvfb by cmd/vkstyle's preview test.)
func TestSwapchainNeedsSurface(t *testing.T) {
	dev := gputest.Open(t, gpu.Options{})
	if dev.CanPresent() {
		t.Error("a device opened without a surface says it can present")
	}
	if _, err := dev.NewSwapchain(func() (int, int) { return 1, 1 }); !errors.Is(err, gpu.ErrNoSurface) {
		t.Errorf("NewSwapchain without a surface: %v, want ErrNoSurface", err)
	}
}

// A surface that cannot be made fails Open with the window system's
// reason, and an instance extension that does not exist fails it too.
func TestSurfaceErrors(t *testing.T) {
	gputest.Open(t, gpu.Options{}) // skips without a device
	_, err := gpu.Open(gpu.Options{CacheDir: "-", Surface: func(any) (uintptr, error) { return 0, errors.New("no window here") }})
	if err == nil || !strings.Contains(err.Error(), "no window here") {
		t.Errorf("Open with a failing surface: %v", err)
	}
	_, err = gpu.Open(gpu.Options{CacheDir: "-", InstanceExtensions: []string{"VK_KHR_no_such_extension"}})
	if err == nil || !strings.Contains(err.Error(), "vkCreateInstance") {
		t.Errorf("Open with an unknown instance extension: %v", err)
	}
}
