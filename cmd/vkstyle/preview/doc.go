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
// The optimisation runs on a goroutine of its own (the worker); the
// process's main thread, GLFW's, answers the window's events at a steady
// rate; a presenter goroutine composes and presents. stylize.Run calls
// the session's frame hook between iterations: it copies the iterate into
// a buffer of the preview's own, carries out the actions the main thread
// passed on and, while paused, blocks. The presenter composes from that
// copy, so a frame shows one whole iterate, and the optimisation never
// waits for the window. The device's queue is shared under its lock and
// the swapchain records into a command pool of its own (see gpu.Device
// and gpu.Swapchain).
package preview
