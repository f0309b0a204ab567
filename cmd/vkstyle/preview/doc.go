// Package preview is vkstyle's live window: it shows the image forming
// while the optimisation runs, on the same Vulkan device, and lets the user
// steer the run from the keyboard and by dropping files.
//
// The window is GLFW's (github.com/go-gl/glfw/v3.3); this package is the
// only one that imports it. A frame is composed on the device by the
// present kernel (shaders/present.comp) straight from the optimiser's
// image buffer into packed pixels, which gpu.Swapchain copies into the
// swapchain image: the image never passes through host memory.
//
// Everything runs on one thread, the process's main thread (GLFW's rule):
// stylize.Run calls the session's frame hook between iterations, and the
// hook polls window events, presents, and, while paused, waits for events
// without returning. The window therefore answers once per iteration.
package preview
