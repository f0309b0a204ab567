package gpu

import (
	"encoding/binary"
	"fmt"
	"strings"

	vk "github.com/vulkan-go/vulkan"
)

// KernelSpec describes a compute kernel. Following the kernel contract of
// docs/DESIGN.md §4: storage-buffer bindings 0..Bindings-1 with inputs first and
// the Outputs written ones last, one push-constant block of PushSize bytes,
// and the work-group size in specialisation constant 0 (GLSL:
// layout(local_size_x_id = 0) in;). Further specialisation constants, from
// id 1, come from Spec.
type KernelSpec struct {
	Name      string // unique per distinct SPIR-V; the cache key with the constants
	Code      []byte // SPIR-V
	Bindings  int
	Outputs   int // trailing bindings the kernel writes; 0 means 1
	PushSize  uint32
	LocalSize uint32 // work-group size in x; 0 means 256 (or the device's maximum)
	Spec      []uint32
	// Texel gives, per binding, 0 for a storage buffer or the float32
	// components (1 or 4) of a read-only uniform texel buffer (GLSL:
	// uniform samplerBuffer, read with texelFetch). Nil: all storage.
	// Texel buffers are how lavapipe reads memory fast (docs/DESIGN.md §5).
	Texel []int
}

// storageBindings counts the bindings that are storage buffers; the others
// are uniform texel buffers, which count against the device's
// maxPerStageDescriptorSampledImages instead.
func (s KernelSpec) storageBindings() int {
	n := 0
	for i := 0; i < s.Bindings; i++ {
		if s.texel(i) == 0 {
			n++
		}
	}
	return n
}

func (s KernelSpec) texel(i int) int {
	if i < len(s.Texel) {
		return s.Texel[i]
	}
	return 0
}

// Kernel is a compute pipeline with its descriptor-set and pipeline layouts.
type Kernel struct {
	dev       *Device
	spec      KernelSpec
	module    vk.ShaderModule
	setLayout vk.DescriptorSetLayout
	layout    vk.PipelineLayout
	pipeline  vk.Pipeline
}

// LocalSize is the work-group size the kernel was built with.
func (k *Kernel) LocalSize() uint32 { return k.spec.LocalSize }

// Name is the kernel's name.
func (k *Kernel) Name() string { return k.spec.Name }

func (k *Kernel) outputs() int {
	if k.spec.Outputs == 0 {
		return 1
	}
	return k.spec.Outputs
}

func validTexel(t []int) bool {
	for _, c := range t {
		if c != 0 && c != 1 && c != 4 {
			return false
		}
	}
	return true
}

func (s KernelSpec) key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%d", s.Name, s.LocalSize)
	for _, v := range s.Spec {
		fmt.Fprintf(&b, "/%d", v)
	}
	fmt.Fprintf(&b, "/t%v", s.Texel)
	return b.String()
}

// Kernel returns the kernel for spec, building it on first use; the device
// keeps it until it closes. Limits are checked: push constants against
// maxPushConstantsSize, storage bindings against
// maxPerStageDescriptorStorageBuffers, texel bindings against
// maxPerStageDescriptorSampledImages,
// the work-group size against maxComputeWorkGroupSize and invocations.
func (d *Device) Kernel(spec KernelSpec) (*Kernel, error) {
	defer holdGC()() // see gcfence.go
	info := &d.Info
	if spec.LocalSize == 0 {
		spec.LocalSize = 256
		if info.MaxWorkGroupInvocations < 256 {
			spec.LocalSize = info.MaxWorkGroupInvocations
		}
	}
	if k, ok := d.kernels[spec.key()]; ok {
		return k, nil
	}
	switch {
	case len(spec.Code) == 0 || len(spec.Code)%4 != 0:
		return nil, fmt.Errorf("gpu: kernel %s: SPIR-V of %d bytes is not a whole number of words", spec.Name, len(spec.Code))
	case spec.Bindings > maxBindings:
		return nil, fmt.Errorf("gpu: kernel %s: %d bindings, more than the %d a dispatch records (record.h)", spec.Name, spec.Bindings, maxBindings)
	case spec.PushSize > info.MaxPushConstants:
		return nil, fmt.Errorf("gpu: kernel %s: %d bytes of push constants exceed the device's %d", spec.Name, spec.PushSize, info.MaxPushConstants)
	case uint32(spec.storageBindings()) > info.MaxStorageBuffers:
		return nil, fmt.Errorf("gpu: kernel %s: %d storage buffers exceed %s's maxPerStageDescriptorStorageBuffers (%d)", spec.Name, spec.storageBindings(), info.Name, info.MaxStorageBuffers)
	case uint32(spec.Bindings-spec.storageBindings()) > info.MaxSampledImages:
		return nil, fmt.Errorf("gpu: kernel %s: %d texel buffers exceed %s's maxPerStageDescriptorSampledImages (%d)", spec.Name, spec.Bindings-spec.storageBindings(), info.Name, info.MaxSampledImages)
	case !validTexel(spec.Texel):
		return nil, fmt.Errorf("gpu: kernel %s: texel bindings take 1 or 4 components, got %v", spec.Name, spec.Texel)
	case spec.LocalSize > info.MaxWorkGroupSize[0] || spec.LocalSize > info.MaxWorkGroupInvocations:
		return nil, fmt.Errorf("gpu: kernel %s: work-group size %d exceeds the device's %d", spec.Name, spec.LocalSize, info.MaxWorkGroupSize[0])
	}
	k := &Kernel{dev: d, spec: spec}
	if err := k.build(); err != nil {
		k.destroy()
		return nil, fmt.Errorf("kernel %s: %w", spec.Name, err)
	}
	d.kernels[spec.key()] = k
	if d.cache != nil {
		d.cache.dirty = true
	}
	return k, nil
}

func (k *Kernel) build() error {
	d := k.dev
	words := make([]uint32, len(k.spec.Code)/4)
	for i := range words {
		words[i] = binary.LittleEndian.Uint32(k.spec.Code[4*i:])
	}
	mci := vk.ShaderModuleCreateInfo{
		SType:    vk.StructureTypeShaderModuleCreateInfo,
		CodeSize: uint(len(k.spec.Code)),
		PCode:    words,
	}
	var module vk.ShaderModule
	defer mci.Free() // vulkan-go copied it into C memory: see cmem.go
	if err := check("vkCreateShaderModule", vk.CreateShaderModule(d.h, &mci, nil, &module)); err != nil {
		return err
	}
	k.module = module
	binds := make([]vk.DescriptorSetLayoutBinding, k.spec.Bindings)
	for i := range binds {
		typ := vk.DescriptorTypeStorageBuffer
		if k.spec.texel(i) > 0 {
			typ = vk.DescriptorTypeUniformTexelBuffer
		}
		binds[i] = vk.DescriptorSetLayoutBinding{
			Binding:         uint32(i),
			DescriptorType:  typ,
			DescriptorCount: 1,
			StageFlags:      vk.ShaderStageFlags(vk.ShaderStageComputeBit),
		}
	}
	lci := vk.DescriptorSetLayoutCreateInfo{
		SType:        vk.StructureTypeDescriptorSetLayoutCreateInfo,
		BindingCount: uint32(len(binds)),
		PBindings:    binds,
	}
	var setLayout vk.DescriptorSetLayout
	defer lci.Free() // vulkan-go copied it into C memory: see cmem.go
	if err := check("vkCreateDescriptorSetLayout", vk.CreateDescriptorSetLayout(d.h, &lci, nil, &setLayout)); err != nil {
		return err
	}
	k.setLayout = setLayout
	plci := vk.PipelineLayoutCreateInfo{
		SType:          vk.StructureTypePipelineLayoutCreateInfo,
		SetLayoutCount: 1,
		PSetLayouts:    []vk.DescriptorSetLayout{k.setLayout},
	}
	if k.spec.PushSize > 0 {
		plci.PushConstantRangeCount = 1
		plci.PPushConstantRanges = []vk.PushConstantRange{{
			StageFlags: vk.ShaderStageFlags(vk.ShaderStageComputeBit),
			Size:       k.spec.PushSize,
		}}
	}
	var layout vk.PipelineLayout
	defer plci.Free() // vulkan-go copied it into C memory: see cmem.go
	if err := check("vkCreatePipelineLayout", vk.CreatePipelineLayout(d.h, &plci, nil, &layout)); err != nil {
		return err
	}
	k.layout = layout
	consts := append([]uint32{k.spec.LocalSize}, k.spec.Spec...)
	entries := make([]vk.SpecializationMapEntry, len(consts))
	data := make([]byte, 4*len(consts))
	for i, v := range consts {
		entries[i] = vk.SpecializationMapEntry{ConstantID: uint32(i), Offset: uint32(4 * i), Size: 4}
		binary.LittleEndian.PutUint32(data[4*i:], v)
	}
	cdata := cBytes(data)
	defer cFree(cdata)
	spec := []vk.SpecializationInfo{{
		MapEntryCount: uint32(len(entries)),
		PMapEntries:   entries,
		DataSize:      uint(len(data)),
		PData:         cdata,
	}}
	pci := []vk.ComputePipelineCreateInfo{{
		SType: vk.StructureTypeComputePipelineCreateInfo,
		Stage: vk.PipelineShaderStageCreateInfo{
			SType:               vk.StructureTypePipelineShaderStageCreateInfo,
			Stage:               vk.ShaderStageComputeBit,
			Module:              k.module,
			PName:               cstr("main"),
			PSpecializationInfo: spec,
		},
		Layout: k.layout,
	}}
	var cache vk.PipelineCache
	if d.cache != nil {
		cache = d.cache.h
	}
	pipes := make([]vk.Pipeline, 1)
	if err := check("vkCreateComputePipelines", vk.CreateComputePipelines(d.h, cache, 1, pci, nil, pipes)); err != nil {
		return err
	}
	k.pipeline = pipes[0]
	return nil
}

func (k *Kernel) destroy() {
	d := k.dev
	if k.pipeline != nil {
		vk.DestroyPipeline(d.h, k.pipeline, nil)
		k.pipeline = nil
	}
	if k.layout != nil {
		vk.DestroyPipelineLayout(d.h, k.layout, nil)
		k.layout = nil
	}
	if k.setLayout != nil {
		vk.DestroyDescriptorSetLayout(d.h, k.setLayout, nil)
		k.setLayout = nil
	}
	if k.module != nil {
		vk.DestroyShaderModule(d.h, k.module, nil)
		k.module = nil
	}
}
