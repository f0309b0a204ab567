package gpu

import (
	"errors"
	"fmt"
	"math"

	vk "github.com/vulkan-go/vulkan"
)

// Swapchain presents frames to the device's window surface (see
// Options.Surface). A frame is computed by the caller's kernels into a
// device buffer of packed 8-bit pixels, which vkCmdCopyBufferToImage
// writes into the acquired swapchain image: transfer destinations are
// supported by every presentation engine, storage images by few. The
// pixels never pass through host memory.
//
// The swapchain follows the window: Present recreates it when the
// surface's size changes or the presentation engine reports it out of
// date or suboptimal, and skips frames while the window is minimised
// (a 0×0 surface). It presents from the device's compute queue; Present
// waits for its own submission. One goroutine may present while another
// computes on the device: the swapchain records into a command pool of
// its own and the queue is shared under the device's queue lock (the
// frame's kernels run after the compute already submitted). A swapchain
// itself is used from one goroutine at a time.
//
// The extent of a new swapchain comes from the surface capabilities
// queried just before it is made. A presentation completes
// asynchronously (on NVIDIA and Mesa), and without
// VK_EXT_swapchain_maintenance1 nothing signals when: not a fence, not
// vkQueueWaitIdle. What is known is that when an image is acquired
// again, its previous presentation, and every one queued before it, has
// finished. So an image's rendered semaphore is reused only for that
// image, after it is reacquired, and a replaced swapchain with its
// semaphores is kept until the first image presented from its successor
// is acquired again (or the swapchain closes).
type Swapchain struct {
	dev  *Device
	size func() (w, h int)

	h        vk.Swapchain
	format   vk.Format
	space    vk.ColorSpace
	mode     vk.PresentMode
	extent   vk.Extent2D
	images   []vk.Image
	rendered []vk.Semaphore // per image: the copy finished, present may start
	acquired vk.Semaphore   // the acquired image may be written
	pixels   *Buffer
	pool     vk.CommandPool // the batch's own: Present may run on another goroutine than the compute
	batch    *Batch
	stale    bool // recreate before the next frame
	closed   bool

	// retired are replaced swapchains and their semaphores, not yet known
	// to be done with: waiting for the first present of this swapchain.
	retired []retiredChain
	// freeOn[i] is what may be destroyed once image i of this swapchain is
	// acquired again: the swapchains retired before it was presented.
	freeOn map[uint32][]retiredChain
}

// retiredChain is a replaced swapchain with the semaphores its
// presentations waited on.
type retiredChain struct {
	h        vk.Swapchain
	rendered []vk.Semaphore
}

// Frame is one frame being recorded: the caller's kernels, recorded into
// Batch, must fill Pixels with Width×Height packed 32-bit pixels, row by
// row from the top left, with their bytes in memory in the order B, G, R,
// A when BGRA is set and R, G, B, A otherwise.
type Frame struct {
	Batch         *Batch
	Pixels        Binding
	Width, Height int
	BGRA          bool
}

// acquireTimeout bounds the wait for a swapchain image; a frame that
// times out is skipped.
const acquireTimeout = 1_000_000_000 // ns

// ErrNoSurface is returned by NewSwapchain on a device opened without
// Options.Surface.
var ErrNoSurface = errors.New("gpu: the device was opened without a window surface")

// NewSwapchain returns a swapchain for the device's surface. size reports
// the window's framebuffer size in pixels; it is used where the surface
// leaves the extent to the application (Wayland). The swapchain itself is
// created on the first Present.
func (d *Device) NewSwapchain(size func() (w, h int)) (*Swapchain, error) {
	defer holdGC()() // see gcfence.go
	if d.surface == nil {
		return nil, ErrNoSurface
	}
	s := &Swapchain{dev: d, size: size}
	var err error
	if s.acquired, err = d.newSemaphore(); err != nil {
		return nil, err
	}
	if s.pool, err = d.newCommandPool(); err != nil {
		s.Close()
		return nil, err
	}
	if s.batch, err = d.newBatch(s.pool); err != nil {
		s.Close()
		return nil, err
	}
	d.untrack(s.batch) // the swapchain's own, closed with it
	d.track(s, "swapchain")
	return s, nil
}

func (d *Device) newSemaphore() (vk.Semaphore, error) {
	info := vk.SemaphoreCreateInfo{SType: vk.StructureTypeSemaphoreCreateInfo}
	var sem vk.Semaphore
	defer info.Free() // vulkan-go copied it into C memory: see cmem.go
	if err := check("vkCreateSemaphore", vk.CreateSemaphore(d.h, &info, nil, &sem)); err != nil {
		return nil, err
	}
	return sem, nil
}

// Present shows one frame: record fills frame.Pixels (it is called again
// if the swapchain has to be recreated on the way), the pixels are copied
// into the next swapchain image, and the image is queued for
// presentation. It returns false, without calling record, while the
// window is minimised (wait for a window event and call again) and when
// no image became free within a second.
func (s *Swapchain) Present(record func(*Frame) error) (shown bool, err error) {
	defer holdGC()() // see gcfence.go
	if s.closed {
		return false, errors.New("gpu: swapchain is closed")
	}
	for try := 0; try < 3; try++ {
		extent, ok, err := s.currentExtent()
		if err != nil || !ok {
			return false, err
		}
		if s.h == nil || s.stale || extent != s.extent {
			if ok, err := s.recreate(); err != nil || !ok {
				return false, err
			}
		}
		if err := s.batch.Reset(); err != nil {
			return false, err
		}
		f := &Frame{Batch: s.batch, Pixels: s.pixels.All(), Width: int(s.extent.Width), Height: int(s.extent.Height), BGRA: bgra(s.format)}
		if err := record(f); err != nil {
			return false, err
		}
		if err := s.batch.begin(); err != nil {
			return false, err
		}
		var idx uint32
		switch r := vk.AcquireNextImage(s.dev.h, s.h, acquireTimeout, s.acquired, nil, &idx); r {
		case vk.Success:
		case vk.Suboptimal: // the image is usable: show it, then recreate
			s.stale = true
		case vk.ErrorOutOfDate:
			s.stale = true
			continue
		case vk.Timeout, vk.NotReady:
			return false, nil
		default:
			return false, check("vkAcquireNextImageKHR", r)
		}
		// Image idx is back: its last presentation, and all before it,
		// are done, and so are the swapchains retired before it.
		s.destroyRetired(s.freeOn[idx])
		delete(s.freeOn, idx)
		if err := s.submit(idx); err != nil {
			return false, err
		}
		if len(s.retired) > 0 {
			s.freeOn[idx] = append(s.freeOn[idx], s.retired...)
			s.retired = nil
		}
		r := s.dev.queuePresent(s.h, idx, s.rendered[idx])
		switch r {
		case vk.Success:
		case vk.Suboptimal, vk.ErrorOutOfDate:
			s.stale = true
		default:
			return false, check("vkQueuePresentKHR", r)
		}
		return true, nil
	}
	return false, nil
}

// currentExtent is the size the swapchain should have now; ok is false
// while the window is minimised.
func (s *Swapchain) currentExtent() (vk.Extent2D, bool, error) {
	var caps vk.SurfaceCapabilities
	defer caps.Free() // vulkan-go copied it into C memory: see cmem.go
	if err := check("vkGetPhysicalDeviceSurfaceCapabilitiesKHR", vk.GetPhysicalDeviceSurfaceCapabilities(s.dev.Info.physical, s.dev.surface, &caps)); err != nil {
		return vk.Extent2D{}, false, err
	}
	caps.Deref()
	e := s.extentWithin(&caps)
	return e, e.Width > 0 && e.Height > 0, nil
}

// extentWithin is the extent a swapchain made under caps (dereferenced)
// must have: the surface's current extent, or the window's size where the
// surface leaves it to the application, clamped to caps' minimum and
// maximum either way (a window resized between two queries must not
// leave an extent outside the latest ones).
func (s *Swapchain) extentWithin(caps *vk.SurfaceCapabilities) vk.Extent2D {
	caps.CurrentExtent.Deref()
	caps.MinImageExtent.Deref()
	caps.MaxImageExtent.Deref()
	// Plain copies: the extents point into caps' C memory, which the
	// caller's deferred Free releases, and vulkan-go would pass that
	// pointer's contents, not the fields, when an extent goes back to the
	// driver.
	w, h := caps.CurrentExtent.Width, caps.CurrentExtent.Height
	if w == math.MaxUint32 { // the application chooses
		fw, fh := s.size()
		w, h = uint32(max(fw, 0)), uint32(max(fh, 0))
	}
	if w == 0 || h == 0 {
		return vk.Extent2D{} // minimised
	}
	return vk.Extent2D{
		Width:  clampU32(w, caps.MinImageExtent.Width, caps.MaxImageExtent.Width),
		Height: clampU32(h, caps.MinImageExtent.Height, caps.MaxImageExtent.Height),
	}
}

func clampU32(v, lo, hi uint32) uint32 { return min(max(v, lo), hi) }

// submit records the copy of the pixels into image idx around the
// caller's kernels and runs it, waiting for the image to be acquired and
// signalling rendered[idx] for the presentation.
func (s *Swapchain) submit(idx uint32) error {
	b, img := s.batch, s.images[idx]
	// The kernels' pixel writes before the copy, the image into the
	// copy's layout and after it into the presentation layout.
	s.dev.cmdPresentCopy(b.cmd, img, s.pixels, s.extent.Width, s.extent.Height)
	if err := check("vkEndCommandBuffer", vk.EndCommandBuffer(b.cmd)); err != nil {
		return err
	}
	b.ended = true
	if err := s.dev.queueSubmit(b.cmd, s.acquired, vk.PipelineStageTransferBit, s.rendered[idx], b.fence); err != nil {
		return err
	}
	fences := []vk.Fence{b.fence}
	if err := check("vkWaitForFences", vk.WaitForFences(s.dev.h, 1, fences, vk.True, math.MaxUint64)); err != nil {
		return err
	}
	if err := check("vkResetFences", vk.ResetFences(s.dev.h, 1, fences)); err != nil {
		return err
	}
	return b.readTimings()
}

// recreate replaces the swapchain (or creates the first), with its
// images, semaphores and pixel buffer, at the extent the surface has now;
// ok is false, and nothing changes, while the window is minimised. The
// replaced swapchain is retired (see Swapchain), not destroyed.
func (s *Swapchain) recreate() (ok bool, err error) {
	d := s.dev
	if err := d.queueWaitIdle(); err != nil {
		return false, err
	}
	var caps vk.SurfaceCapabilities
	defer caps.Free() // vulkan-go copied it into C memory: see cmem.go
	if err := check("vkGetPhysicalDeviceSurfaceCapabilitiesKHR", vk.GetPhysicalDeviceSurfaceCapabilities(d.Info.physical, d.surface, &caps)); err != nil {
		return false, err
	}
	caps.Deref()
	extent := s.extentWithin(&caps)
	if extent.Width == 0 || extent.Height == 0 {
		return false, nil
	}
	if vk.ImageUsageFlagBits(caps.SupportedUsageFlags)&vk.ImageUsageTransferDstBit == 0 {
		return false, fmt.Errorf("gpu: the window's presentation engine cannot take transfer writes (supported image usage %#x)", caps.SupportedUsageFlags)
	}
	if s.h == nil {
		var err error
		if s.format, s.space, err = chooseFormat(d); err != nil {
			return false, err
		}
		s.mode = choosePresentMode(d)
	}
	count := caps.MinImageCount + 1
	if caps.MaxImageCount > 0 && count > caps.MaxImageCount {
		count = caps.MaxImageCount
	}
	alpha := vk.CompositeAlphaOpaqueBit
	if vk.CompositeAlphaFlagBits(caps.SupportedCompositeAlpha)&alpha == 0 {
		for bit := vk.CompositeAlphaFlagBits(1); bit <= vk.CompositeAlphaInheritBit; bit <<= 1 {
			if vk.CompositeAlphaFlagBits(caps.SupportedCompositeAlpha)&bit != 0 {
				alpha = bit
				break
			}
		}
	}
	info := vk.SwapchainCreateInfo{
		SType:            vk.StructureTypeSwapchainCreateInfo,
		Surface:          d.surface,
		MinImageCount:    count,
		ImageFormat:      s.format,
		ImageColorSpace:  s.space,
		ImageExtent:      extent,
		ImageArrayLayers: 1,
		ImageUsage:       vk.ImageUsageFlags(vk.ImageUsageTransferDstBit),
		ImageSharingMode: vk.SharingModeExclusive,
		PreTransform:     caps.CurrentTransform,
		CompositeAlpha:   alpha,
		PresentMode:      s.mode,
		Clipped:          vk.True,
		OldSwapchain:     s.h,
	}
	var h vk.Swapchain
	defer info.Free() // vulkan-go copied it into C memory: see cmem.go
	if err := check("vkCreateSwapchainKHR", vk.CreateSwapchain(d.h, &info, nil, &h)); err != nil {
		return false, err
	}
	if s.h != nil {
		s.retired = append(s.retired, retiredChain{h: s.h, rendered: s.rendered})
	}
	// What waited for this swapchain's images must now wait for the
	// successor's first present instead.
	for _, r := range s.freeOn {
		s.retired = append(s.retired, r...)
	}
	s.freeOn = map[uint32][]retiredChain{}
	s.h, s.rendered, s.images = h, nil, nil
	s.extent, s.stale = extent, false
	var n uint32
	if err := check("vkGetSwapchainImagesKHR", vk.GetSwapchainImages(d.h, h, &n, nil)); err != nil {
		return false, err
	}
	s.images = make([]vk.Image, n)
	if err := check("vkGetSwapchainImagesKHR", vk.GetSwapchainImages(d.h, h, &n, s.images)); err != nil {
		return false, err
	}
	s.images = s.images[:n]
	for range s.images {
		sem, err := d.newSemaphore()
		if err != nil {
			return false, err
		}
		s.rendered = append(s.rendered, sem)
	}
	size := 4 * uint64(extent.Width) * uint64(extent.Height)
	if s.pixels == nil || s.pixels.Size() != size {
		if s.pixels != nil {
			s.pixels.Close()
			s.pixels = nil
		}
		pixels, err := d.NewBuffer("swapchain pixels", size)
		if err != nil {
			return false, err
		}
		d.untrack(pixels) // the swapchain's own, closed with it
		s.pixels = pixels
	}
	return true, nil
}

// destroyRetired destroys retired swapchains and their semaphores.
func (s *Swapchain) destroyRetired(chains []retiredChain) {
	for _, c := range chains {
		for _, sem := range c.rendered {
			vk.DestroySemaphore(s.dev.h, sem, nil)
		}
		vk.DestroySwapchain(s.dev.h, c.h, nil)
	}
}

// destroyChain destroys the swapchain, its semaphores and every retired
// one. The queue must be idle, and no later presentation can come:
// nothing else tells when the last ones have finished (see Swapchain).
func (s *Swapchain) destroyChain() {
	d := s.dev
	for _, r := range s.freeOn {
		s.destroyRetired(r)
	}
	s.destroyRetired(s.retired)
	s.freeOn, s.retired = nil, nil
	for _, sem := range s.rendered {
		vk.DestroySemaphore(d.h, sem, nil)
	}
	s.rendered, s.images = nil, nil
	if s.h != nil {
		vk.DestroySwapchain(d.h, s.h, nil)
		s.h = nil
	}
}

// chooseFormat picks an 8-bit RGBA or BGRA surface format: the bytes the
// kernels write are copied unchanged, so UNORM and SRGB formats both show
// them as the sRGB values they are.
func chooseFormat(d *Device) (vk.Format, vk.ColorSpace, error) {
	var n uint32
	if err := check("vkGetPhysicalDeviceSurfaceFormatsKHR", vk.GetPhysicalDeviceSurfaceFormats(d.Info.physical, d.surface, &n, nil)); err != nil {
		return 0, 0, err
	}
	formats := make([]vk.SurfaceFormat, n)
	if err := check("vkGetPhysicalDeviceSurfaceFormatsKHR", vk.GetPhysicalDeviceSurfaceFormats(d.Info.physical, d.surface, &n, formats)); err != nil {
		return 0, 0, err
	}
	for i := range formats[:n] {
		formats[i].Deref()
	}
	if n == 1 && formats[0].Format == vk.FormatUndefined {
		return vk.FormatB8g8r8a8Unorm, vk.ColorSpaceSrgbNonlinear, nil
	}
	for _, want := range []vk.Format{vk.FormatB8g8r8a8Unorm, vk.FormatR8g8b8a8Unorm, vk.FormatA8b8g8r8UnormPack32, vk.FormatB8g8r8a8Srgb, vk.FormatR8g8b8a8Srgb} {
		for _, f := range formats[:n] {
			if f.Format == want {
				return f.Format, f.ColorSpace, nil
			}
		}
	}
	return 0, 0, fmt.Errorf("gpu: the window offers no 8-bit RGBA or BGRA format (%d formats)", n)
}

func bgra(f vk.Format) bool { return f == vk.FormatB8g8r8a8Unorm || f == vk.FormatB8g8r8a8Srgb }

// choosePresentMode prefers modes that never block the optimisation on
// the display: mailbox, then immediate, then FIFO (always supported).
func choosePresentMode(d *Device) vk.PresentMode {
	var n uint32
	if vk.GetPhysicalDeviceSurfacePresentModes(d.Info.physical, d.surface, &n, nil) != vk.Success {
		return vk.PresentModeFifo
	}
	modes := make([]vk.PresentMode, n)
	if vk.GetPhysicalDeviceSurfacePresentModes(d.Info.physical, d.surface, &n, modes) != vk.Success {
		return vk.PresentModeFifo
	}
	for _, want := range []vk.PresentMode{vk.PresentModeMailbox, vk.PresentModeImmediate} {
		for _, m := range modes[:n] {
			if m == want {
				return m
			}
		}
	}
	return vk.PresentModeFifo
}

// Close waits for the queue, then destroys the swapchain, its semaphores,
// pixel buffer and batch. It is safe to call twice; the device closes a
// swapchain left open.
func (s *Swapchain) Close() error {
	defer holdGC()() // see gcfence.go
	if s == nil || s.closed {
		return nil
	}
	s.closed = true
	d := s.dev
	if d.h != nil {
		d.queueWaitIdle()
	}
	s.destroyChain()
	if s.acquired != nil {
		vk.DestroySemaphore(d.h, s.acquired, nil)
		s.acquired = nil
	}
	if s.pixels != nil {
		s.pixels.Close()
		s.pixels = nil
	}
	if s.batch != nil {
		s.batch.Close()
		s.batch = nil
	}
	if s.pool != nil {
		vk.DestroyCommandPool(d.h, s.pool, nil)
		s.pool = nil
	}
	d.untrack(s)
	return nil
}
