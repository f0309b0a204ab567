package gpu

import (
	"fmt"

	vk "github.com/vulkan-go/vulkan"
)

// check turns a VkResult into an error naming the call that failed, or nil.
func check(call string, r vk.Result) error {
	if r == vk.Success {
		return nil
	}
	return fmt.Errorf("gpu: %s: %w", call, vk.Error(r))
}

// cstr returns s with the NUL terminator vulkan-go expects for strings.
func cstr(s string) string { return s + "\x00" }
