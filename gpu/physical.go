package gpu

/*
#include "vkext.h"
*/
import "C"

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// DeviceType is the kind of a physical device.
type DeviceType int

// Device types, in vkstyle's default order of preference.
const (
	Discrete DeviceType = iota
	Integrated
	Virtual
	CPU
	Other
)

func (t DeviceType) String() string {
	switch t {
	case Discrete:
		return "discrete"
	case Integrated:
		return "integrated"
	case Virtual:
		return "virtual"
	case CPU:
		return "cpu"
	}
	return "other"
}

func deviceType(vkType uint32) DeviceType {
	switch vk.PhysicalDeviceType(vkType) {
	case vk.PhysicalDeviceTypeDiscreteGpu:
		return Discrete
	case vk.PhysicalDeviceTypeIntegratedGpu:
		return Integrated
	case vk.PhysicalDeviceTypeVirtualGpu:
		return Virtual
	case vk.PhysicalDeviceTypeCpu:
		return CPU
	}
	return Other
}

// Heap is one memory heap of a device.
type Heap struct {
	Size        uint64 // bytes
	DeviceLocal bool
	Budget      uint64 // bytes; from VK_EXT_memory_budget, else Size
	Usage       uint64 // bytes in use by all processes; 0 without VK_EXT_memory_budget
}

// DeviceInfo describes a physical device: what `vkstyle devices` prints and
// the limits the runtime obeys.
type DeviceInfo struct {
	Index         int // in the loader's enumeration order
	Name          string
	Type          DeviceType
	VendorID      uint32
	DeviceID      uint32
	DriverName    string
	DriverInfo    string
	DriverVersion uint32
	APIVersion    string
	Heaps         []Heap
	HasBudget     bool // VK_EXT_memory_budget is available

	SubgroupSize uint32
	// SubgroupShuffle: compute shaders may use subgroupShuffle and the
	// vote operations (VK_SUBGROUP_FEATURE_SHUFFLE_BIT and _VOTE_BIT in the
	// compute stage).
	SubgroupShuffle bool
	Float16         bool // shaderFloat16
	Storage16       bool // storageBuffer16BitAccess
	Float64         bool // shaderFloat64

	MaxStorageBufferRange   uint64 // bytes one storage-buffer binding may cover
	MaxMemoryAllocation     uint64 // bytes of one VkDeviceMemory
	MaxPushConstants        uint32 // bytes
	MaxSharedMemory         uint32 // bytes of shared memory per work group
	MaxWorkGroupCount       [3]uint32
	MaxWorkGroupSize        [3]uint32
	MaxWorkGroupInvocations uint32
	MaxStorageBuffers       uint32 // per stage
	MaxSampledImages        uint32 // per stage; uniform texel buffers count here
	MaxBoundSets            uint32 // maxBoundDescriptorSets
	MaxTexelBufferElements  uint32
	StorageOffsetAlignment  uint64 // minStorageBufferOffsetAlignment
	TexelOffsetAlignment    uint64 // minTexelBufferOffsetAlignment
	TimestampPeriod         float32
	TimestampBits           uint32 // valid bits on the compute queue; 0: no timestamps
	ComputeFamily           int    // queue family used; -1 when none has compute
	PipelineCacheUUID       [16]byte
	DeviceUUID              [16]byte
	Default                 bool // chosen when no selector is given
	// Unusable says why vkstyle cannot run on the device ("" when it can):
	// an API version below 1.1 (its SPIR-V 1.3 modules need Vulkan 1.1),
	// or no queue family with compute. Such a device is listed, never
	// chosen.
	Unusable string
	// Limits is LimitsMinimum when the limits above were clamped to the
	// Vulkan minimum (Options.Limits, $VKSTYLE_LIMITS), else LimitsDevice.
	Limits          string
	memoryTypeFlags []uint32
	memoryTypeHeap  []uint32
	extensions      map[string]bool
	physical        vk.PhysicalDevice
}

// LocalMemory is the size of the device's largest device-local heap, in bytes.
func (d *DeviceInfo) LocalMemory() uint64 {
	var m uint64
	for _, h := range d.Heaps {
		if h.DeviceLocal && h.Size > m {
			m = h.Size
		}
	}
	return m
}

func queryDevice(in *instance, pd vk.PhysicalDevice, index int) DeviceInfo {
	exts := deviceExtensions(pd)
	var e C.vkstyle_device_ext
	flags := 0
	for name, bit := range map[string]int{
		"VK_EXT_memory_budget":       C.VKSTYLE_EXT_MEMORY_BUDGET,
		"VK_KHR_driver_properties":   C.VKSTYLE_EXT_DRIVER_PROPERTIES,
		"VK_KHR_shader_float16_int8": C.VKSTYLE_EXT_SHADER_FLOAT16_INT8,
	} {
		if exts[name] {
			flags |= bit
		}
	}
	inst := C.VkInstance(unsafe.Pointer(in.h))
	cpd := C.VkPhysicalDevice(unsafe.Pointer(pd))
	// The first call learns the API version; properties2 needs it.
	C.vkstyle_query_ext(inst, cpd, 0, 0, &e)
	C.vkstyle_query_ext(inst, cpd, e.api_version, C.int(flags), &e)
	api := vk.Version(e.api_version)
	const shuffleOps = C.uint32_t(vk.SubgroupFeatureShuffleBit | vk.SubgroupFeatureVoteBit)
	shuffle := e.subgroup_stages&C.uint32_t(vk.ShaderStageComputeBit) != 0 && e.subgroup_ops&shuffleOps == shuffleOps
	info := DeviceInfo{
		Index:                   index,
		Name:                    C.GoString(&e.device_name[0]),
		Type:                    deviceType(uint32(e.device_type)),
		VendorID:                uint32(e.vendor_id),
		DeviceID:                uint32(e.device_id),
		DriverName:              C.GoString(&e.driver_name[0]),
		DriverInfo:              C.GoString(&e.driver_info[0]),
		DriverVersion:           uint32(e.driver_version),
		APIVersion:              fmt.Sprintf("%d.%d.%d", api.Major(), api.Minor(), api.Patch()),
		HasBudget:               e.has_budget != 0,
		SubgroupSize:            uint32(e.subgroup_size),
		SubgroupShuffle:         shuffle,
		Float16:                 e.shader_float16 != 0,
		Storage16:               e.storage_buffer16 != 0,
		Float64:                 e.shader_float64 != 0,
		MaxStorageBufferRange:   uint64(e.max_storage_buffer_range),
		MaxMemoryAllocation:     uint64(e.max_memory_allocation_size),
		MaxPushConstants:        uint32(e.max_push_constants_size),
		MaxSharedMemory:         uint32(e.max_compute_shared_memory_size),
		MaxWorkGroupInvocations: uint32(e.max_compute_work_group_invocations),
		MaxStorageBuffers:       uint32(e.max_per_stage_storage_buffers),
		MaxSampledImages:        uint32(e.max_per_stage_sampled_images),
		MaxBoundSets:            uint32(e.max_bound_descriptor_sets),
		MaxTexelBufferElements:  uint32(e.max_texel_buffer_elements),
		StorageOffsetAlignment:  uint64(e.min_storage_buffer_offset_alignment),
		TexelOffsetAlignment:    uint64(e.min_texel_buffer_offset_alignment),
		TimestampPeriod:         float32(e.timestamp_period),
		TimestampBits:           uint32(e.compute_timestamp_bits),
		ComputeFamily:           int(e.compute_family),
		extensions:              exts,
		physical:                pd,
	}
	info.Unusable = unusable(api.Major(), api.Minor(), info.ComputeFamily)
	for i := 0; i < 3; i++ {
		info.MaxWorkGroupCount[i] = uint32(e.max_compute_work_group_count[i])
		info.MaxWorkGroupSize[i] = uint32(e.max_compute_work_group_size[i])
	}
	for i := 0; i < 16; i++ {
		info.PipelineCacheUUID[i] = byte(e.pipeline_cache_uuid[i])
		info.DeviceUUID[i] = byte(e.device_uuid[i])
	}
	for i := 0; i < int(e.memory_heap_count); i++ {
		h := Heap{
			Size:        uint64(e.memory_heap_size[i]),
			DeviceLocal: e.memory_heap_flags[i]&C.VK_MEMORY_HEAP_DEVICE_LOCAL_BIT != 0,
		}
		h.Budget = h.Size
		if e.has_budget != 0 {
			h.Budget, h.Usage = uint64(e.heap_budget[i]), uint64(e.heap_usage[i])
		}
		info.Heaps = append(info.Heaps, h)
	}
	for i := 0; i < int(e.memory_type_count); i++ {
		info.memoryTypeFlags = append(info.memoryTypeFlags, uint32(e.memory_type_flags[i]))
		info.memoryTypeHeap = append(info.memoryTypeHeap, uint32(e.memory_type_heap[i]))
	}
	return info
}

// Devices lists every Vulkan device with compute, in the loader's order,
// with Default set on the one vkstyle picks when no selector is given.
func Devices() ([]DeviceInfo, error) {
	defer holdGC()() // see gcfence.go
	in, err := newInstance(false, nil, nil)
	if err != nil {
		return nil, err
	}
	defer in.close()
	return enumerate(in, "")
}

// enumerate queries every device of in, with its limits clamped as the
// limits mode (see Options.Limits) asks.
func enumerate(in *instance, limits string) ([]DeviceInfo, error) {
	mode, err := limitsMode(limits)
	if err != nil {
		return nil, err
	}
	pds, err := in.physicalDevices()
	if err != nil {
		return nil, err
	}
	infos := make([]DeviceInfo, 0, len(pds))
	for i, pd := range pds {
		info := queryDevice(in, pd, i)
		info.Limits = LimitsDevice
		if mode == LimitsMinimum {
			info.clampToMinimum()
		}
		infos = append(infos, info)
	}
	if def := defaultDevice(infos); def >= 0 {
		infos[def].Default = true
	}
	return infos, nil
}

// unusable returns why a device of API version major.minor whose compute
// queue family is family cannot run vkstyle, or "".
func unusable(major, minor, family int) string {
	if major < 1 || (major == 1 && minor < 1) {
		return fmt.Sprintf("Vulkan %d.%d: vkstyle's shaders are SPIR-V 1.3, which needs Vulkan 1.1", major, minor)
	}
	if family < 0 {
		return "no queue family with compute"
	}
	return ""
}

// defaultDevice returns the index of the preferred device: discrete before
// integrated before virtual before CPU, so a software rasteriser such as
// lavapipe is never chosen while a real GPU exists; among CPU
// implementations the faster (cpuRank), then enumeration order. Unusable
// devices (below Vulkan 1.1, or without a compute queue) are never chosen.
// -1 when none qualifies.
func defaultDevice(infos []DeviceInfo) int {
	order := make([]int, 0, len(infos))
	for i := range infos {
		if infos[i].ComputeFamily >= 0 && infos[i].Unusable == "" {
			order = append(order, i)
		}
	}
	if len(order) == 0 {
		return -1
	}
	sort.SliceStable(order, func(a, b int) bool {
		x, y := &infos[order[a]], &infos[order[b]]
		if x.Type != y.Type {
			return x.Type < y.Type
		}
		return cpuRank(x) < cpuRank(y)
	})
	return order[0]
}

// cpuRank orders the CPU implementations of Vulkan that vkstyle is tested
// on by speed: Mesa's lavapipe (llvmpipe) before Google's SwiftShader,
// which ran a VGG19 iteration at 64×64 15–50 times slower on the same
// 2-core machine (docs/BENCHMARKS.md, "Two CPU implementations"). Other
// devices rank with lavapipe, in enumeration order.
func cpuRank(d *DeviceInfo) int {
	if d.Type == CPU && strings.Contains(strings.ToLower(d.Name), "swiftshader") {
		return 1
	}
	return 0
}

// Choose returns the device Open would pick for selector among infos (as
// returned by Devices): see Options.Device.
func Choose(infos []DeviceInfo, selector string) (*DeviceInfo, error) {
	return selectDevice(infos, selector)
}

// SelectorEnv names the environment variable read when no selector is given.
const SelectorEnv = "VKSTYLE_DEVICE"

// selectDevice picks a device by selector: "" (then $VKSTYLE_DEVICE, then the
// default order), a decimal index, or a case-insensitive substring of the
// device name. An unknown name or an index out of range is an error that
// lists the devices.
func selectDevice(infos []DeviceInfo, selector string) (*DeviceInfo, error) {
	if selector == "" {
		selector = strings.TrimSpace(os.Getenv(SelectorEnv))
	}
	if selector == "" {
		for i := range infos {
			if infos[i].Default {
				return &infos[i], nil
			}
		}
		return nil, fmt.Errorf("%w with a compute queue among %s", ErrNoDevice, listNames(infos))
	}
	var found *DeviceInfo
	if idx, err := strconv.Atoi(selector); err == nil {
		if idx < 0 || idx >= len(infos) {
			return nil, fmt.Errorf("gpu: device index %d is out of range: there are %d devices (%s); run `vkstyle devices`", idx, len(infos), listNames(infos))
		}
		found = &infos[idx]
	} else {
		want := strings.ToLower(selector)
		for i := range infos {
			if strings.Contains(strings.ToLower(infos[i].Name), want) {
				found = &infos[i]
				break
			}
		}
		if found == nil {
			return nil, fmt.Errorf("gpu: no device name contains %q: choose one of %s by index or name; run `vkstyle devices`", selector, listNames(infos))
		}
	}
	if found.ComputeFamily < 0 {
		return nil, fmt.Errorf("gpu: device %d (%s) has no compute queue", found.Index, found.Name)
	}
	if found.Unusable != "" {
		return nil, fmt.Errorf("gpu: device %d (%s) cannot run vkstyle: %s; choose another of %s", found.Index, found.Name, found.Unusable, listNames(infos))
	}
	return found, nil
}

func listNames(infos []DeviceInfo) string {
	names := make([]string, len(infos))
	for i, d := range infos {
		names[i] = fmt.Sprintf("%d: %s", d.Index, d.Name)
	}
	return "[" + strings.Join(names, ", ") + "]"
}
