package gpu

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	vk "github.com/vulkan-go/vulkan"
)

// ValidateEnv names the environment variable that turns validation on when
// set to 1.
const ValidateEnv = "VKSTYLE_VALIDATE"

// Options configure Open. The zero value picks the default device, with
// validation when $VKSTYLE_VALIDATE=1 and a pipeline cache in the user cache
// directory.
type Options struct {
	// Device selects a device by index or name substring; "" reads
	// $VKSTYLE_DEVICE, then takes the default order (discrete, integrated,
	// virtual, CPU).
	Device string
	// Validate turns on VK_LAYER_KHRONOS_validation. $VKSTYLE_VALIDATE=1
	// turns it on too.
	Validate bool
	// Profile records a timestamp pair around every dispatch; see
	// Batch.Timings.
	Profile bool
	// CacheDir holds the persistent pipeline cache. "" means
	// os.UserCacheDir()/vkstyle; "-" disables the cache.
	CacheDir string
	// BlockSize is the size of the memory blocks buffers are carved from.
	// If 0, it is 64 MiB.
	BlockSize uint64
	// MaxBindingRange lowers the device's maxStorageBufferRange, so tests can
	// exercise the split of large buffers across bindings on small data.
	// 0 keeps the device's limit.
	MaxBindingRange uint64
	// MaxTexelElements lowers the device's maxTexelBufferElements, so
	// tests reach the storage-buffer reads of either kernel family on a
	// device with a large limit. 0 keeps the device's limit.
	MaxTexelElements uint32
	// ForceStaging copies through staging buffers even where device memory
	// is host-visible, to test the path discrete GPUs take.
	ForceStaging bool
	// Warn receives warnings (a corrupt pipeline cache, validation
	// messages). If nil, they go to standard error.
	Warn func(string)
	// InstanceExtensions are enabled on the instance besides those vkstyle
	// needs: what a window system requires for surfaces (glfw's
	// GetRequiredInstanceExtensions). Nil: none.
	InstanceExtensions []string
	// Surface, if not nil, makes the device able to present to a window:
	// see SurfaceFunc and NewSwapchain. Nil: compute only.
	Surface SurfaceFunc
	// Limits is LimitsDevice (obey what the device reports) or
	// LimitsMinimum (clamp to the Vulkan 1.1 minimums: MinimumLimits).
	// "" reads $VKSTYLE_LIMITS, then takes LimitsDevice.
	Limits string
	// SubmitGFLOP is the work budget of one submission, in GFLOP as
	// declared with Batch.Work: a batch whose work passes it is submitted
	// as several command buffers, cut between operations, so no single
	// GPU job runs long enough for a driver's watchdog to reset the GPU.
	// If 0, it is $VKSTYLE_SUBMIT_GFLOP, else DefaultSubmitGFLOP (20);
	// negative: each batch is one submission.
	SubmitGFLOP float64
}

// Device is an open Vulkan device with one compute queue.
type Device struct {
	Info DeviceInfo

	inst      *instance
	h         vk.Device
	queue     vk.Queue
	cmdPool   vk.CommandPool
	alloc     *allocator
	cache     *pipelineCache
	kernels   map[string]*Kernel
	transfer  *transfer
	opts      Options
	bindLimit uint64
	// submitBudget is the FLOPs one submission may hold (Options.SubmitGFLOP);
	// 0: no budget.
	submitBudget float64
	warn         func(string)
	surface      vk.Surface // from Options.Surface; nil when compute only
	fns          deviceFns  // record.c's entry points

	// queueMu serialises the use of queue: vkQueueSubmit,
	// vkQueuePresentKHR and vkQueueWaitIdle need the queue externally
	// synchronised, and a live preview submits from its own goroutine
	// while the optimisation submits from another. It is held for the
	// call only, never for the wait on a fence.
	queueMu sync.Mutex

	mu     sync.Mutex
	live   map[any]string // open objects and their descriptions
	closed bool
}

// Open opens a device. Errors name what to install or how to select a
// device; they are one line each.
func Open(opts Options) (*Device, error) {
	defer holdGC()() // see gcfence.go
	if os.Getenv(ValidateEnv) == "1" {
		opts.Validate = true
	}
	budget, err := submitBudget(opts.SubmitGFLOP)
	if err != nil {
		return nil, err
	}
	warn := opts.Warn
	if warn == nil {
		warn = func(s string) { fmt.Fprintln(os.Stderr, "vkstyle: warning:", s) }
	}
	in, err := newInstance(opts.Validate, opts.InstanceExtensions, warn)
	if err != nil {
		return nil, err
	}
	infos, err := enumerate(in, opts.Limits)
	if err != nil {
		in.close()
		return nil, err
	}
	info, err := selectDevice(infos, opts.Device)
	if err != nil {
		in.close()
		return nil, err
	}
	d := &Device{Info: *info, inst: in, opts: opts, warn: warn, kernels: map[string]*Kernel{}, live: map[any]string{}, submitBudget: budget}
	d.bindLimit = info.MaxStorageBufferRange
	if opts.MaxBindingRange > 0 && opts.MaxBindingRange < d.bindLimit {
		d.bindLimit = opts.MaxBindingRange
	}
	if opts.MaxTexelElements > 0 {
		d.Info.MaxTexelBufferElements = min(d.Info.MaxTexelBufferElements, opts.MaxTexelElements)
	}
	if opts.Surface != nil {
		if err := d.openSurface(opts.Surface); err != nil {
			d.Close()
			return nil, err
		}
	} else {
		d.useComputeOnlyFamily() // queue.go
	}
	if err := d.create(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (d *Device) create() error {
	info := &d.Info
	qci := []vk.DeviceQueueCreateInfo{{
		SType:            vk.StructureTypeDeviceQueueCreateInfo,
		QueueFamilyIndex: uint32(info.ComputeFamily),
		QueueCount:       1,
		PQueuePriorities: []float32{1},
	}}
	var exts []string
	for _, e := range []string{"VK_EXT_memory_budget"} {
		if info.extensions[e] {
			exts = append(exts, cstr(e))
		}
	}
	if d.surface != nil {
		exts = append(exts, cstr(swapchainExtension))
	}
	// No feature past Vulkan 1.0 is enabled: no shader uses 16-bit types,
	// and a structure of a feature nothing enables is an error where its
	// extension is not enabled (VkPhysicalDeviceShaderFloat16Int8Features).
	dci := vk.DeviceCreateInfo{
		SType:                   vk.StructureTypeDeviceCreateInfo,
		QueueCreateInfoCount:    1,
		PQueueCreateInfos:       qci,
		EnabledExtensionCount:   uint32(len(exts)),
		PpEnabledExtensionNames: exts,
	}
	var h vk.Device
	defer dci.Free() // vulkan-go copied it into C memory: see cmem.go
	if err := check("vkCreateDevice", vk.CreateDevice(info.physical, &dci, nil, &h)); err != nil {
		return err
	}
	d.h = h
	fns, err := loadDeviceFns(d.inst.h, h, d.surface != nil)
	if err != nil {
		return err
	}
	d.fns = fns
	var q vk.Queue
	vk.GetDeviceQueue(h, uint32(info.ComputeFamily), 0, &q)
	d.queue = q
	pool, err := d.newCommandPool()
	if err != nil {
		return err
	}
	d.cmdPool = pool
	blockSize := d.opts.BlockSize
	if blockSize == 0 {
		blockSize = 64 << 20
	}
	d.alloc = newAllocator(d, blockSize)
	d.cache = openPipelineCache(d)
	return nil
}

// BindingLimit is the largest byte range one storage-buffer binding may
// cover: maxStorageBufferRange, or Options.MaxBindingRange when lower.
func (d *Device) BindingLimit() uint64 { return d.bindLimit }

// Profiling reports whether batches record per-dispatch timestamps.
func (d *Device) Profiling() bool { return d.opts.Profile && d.Info.TimestampBits > 0 }

// Validation returns the validation messages recorded after the first n
// (pass 0 for all). Nil when validation is off or nothing was reported.
func (d *Device) Validation(n int) []string {
	if d.inst == nil || d.inst.log == nil {
		return nil
	}
	return d.inst.log.since(n)
}

func (d *Device) track(obj any, desc string) {
	d.mu.Lock()
	d.live[obj] = desc
	d.mu.Unlock()
}

func (d *Device) untrack(obj any) {
	d.mu.Lock()
	delete(d.live, obj)
	d.mu.Unlock()
}

// Live lists the objects created on this device and not yet closed
// (buffers, batches, kernels), for leak checks. Kernels are cached by the
// device and closed with it, so they are not listed.
func (d *Device) Live() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, desc := range d.live {
		out = append(out, desc)
	}
	sort.Strings(out)
	return out
}

// Close waits for the device to go idle and destroys everything it owns in
// reverse order of creation, saving the pipeline cache. It reports objects
// the caller forgot to close (and closes them) as an error. A second call
// does nothing.
func (d *Device) Close() error {
	defer holdGC()() // see gcfence.go
	if d == nil || d.closed {
		return nil
	}
	d.closed = true
	var errs []error
	if d.h != nil {
		d.queueMu.Lock()
		vk.DeviceWaitIdle(d.h)
		d.queueMu.Unlock()
	}
	if leaked := d.Live(); len(leaked) > 0 {
		errs = append(errs, fmt.Errorf("gpu: device closed with %d live objects: %s", len(leaked), strings.Join(leaked, ", ")))
		d.mu.Lock()
		objs := make([]any, 0, len(d.live))
		for o := range d.live {
			objs = append(objs, o)
		}
		d.mu.Unlock()
		for _, o := range objs {
			if c, ok := o.(interface{ Close() error }); ok {
				c.Close()
			}
		}
	}
	for _, k := range d.kernels {
		k.destroy()
	}
	d.kernels = nil
	if d.transfer != nil {
		d.transfer.close()
		d.transfer = nil
	}
	if d.cache != nil {
		if err := d.cache.save(); err != nil {
			d.warn(err.Error())
		}
		d.cache.destroy()
		d.cache = nil
	}
	if d.alloc != nil {
		d.alloc.destroy()
		d.alloc = nil
	}
	if d.cmdPool != nil {
		vk.DestroyCommandPool(d.h, d.cmdPool, nil)
		d.cmdPool = nil
	}
	if d.h != nil {
		vk.DestroyDevice(d.h, nil)
		d.h = nil
	}
	d.fns.free()
	d.closeSurface()
	d.inst.close()
	return errors.Join(errs...)
}

// MemoryUsage reports the bytes vkstyle holds in device memory blocks, the
// bytes of those handed out to live buffers, and the budget of the heap it
// allocates from (VK_EXT_memory_budget where present, else the heap size).
func (d *Device) MemoryUsage() (reserved, used, budget uint64) {
	reserved, used = d.alloc.usage()
	budget = d.Info.LocalMemory()
	if d.Info.HasBudget {
		fresh := queryDevice(d.inst, d.Info.physical, d.Info.Index)
		budget = 0
		for _, h := range fresh.Heaps {
			if h.DeviceLocal && h.Budget > budget {
				budget = h.Budget
			}
		}
	}
	return reserved, used, budget
}
