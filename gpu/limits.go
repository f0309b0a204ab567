package gpu

import (
	"fmt"
	"os"
	"strings"
)

// LimitsEnv names the environment variable that chooses the limits vkstyle
// obeys when Options.Limits is empty: "device" (the default) or "minimum".
const LimitsEnv = "VKSTYLE_LIMITS"

// Limit modes (Options.Limits).
const (
	// LimitsDevice obeys the limits the device reports.
	LimitsDevice = "device"
	// LimitsMinimum clamps every limit vkstyle relies on to the least the
	// Vulkan 1.1 specification requires of any implementation (its table
	// "Required Limits"; see MinimumLimits), treats subgroup operations
	// beyond the basic ones and 16-bit arithmetic and storage as absent,
	// so that one CPU driver tests the code paths of the smallest
	// conformant device.
	LimitsMinimum = "minimum"
)

// MinimumLimits is the Vulkan 1.1 specification's least value of each
// limit vkstyle relies on (the table "Required Limits" in the chapter
// "Limits"; for the alignments, the largest value an implementation may
// report). LimitsMinimum clamps a device's DeviceInfo to it.
var MinimumLimits = DeviceInfo{
	MaxTexelBufferElements:  65536,
	MaxStorageBufferRange:   1 << 27, // 128 MiB
	StorageOffsetAlignment:  256,
	TexelOffsetAlignment:    256,
	MaxPushConstants:        128,
	MaxMemoryAllocation:     1 << 30, // maxMemoryAllocationSize (Vulkan 1.1)
	MaxSharedMemory:         16384,
	MaxWorkGroupCount:       [3]uint32{65535, 65535, 65535},
	MaxWorkGroupSize:        [3]uint32{128, 128, 64},
	MaxWorkGroupInvocations: 128,
	MaxStorageBuffers:       4,
	MaxSampledImages:        16,
	MaxBoundSets:            4,
	SubgroupSize:            1,
}

// limitsMode returns the mode asked for by opt, else by $VKSTYLE_LIMITS,
// else LimitsDevice; an unknown name is an error naming the variable.
func limitsMode(opt string) (string, error) {
	mode, from := opt, "Options.Limits"
	if mode == "" {
		mode, from = strings.TrimSpace(os.Getenv(LimitsEnv)), "$"+LimitsEnv
	}
	switch mode {
	case "", LimitsDevice:
		return LimitsDevice, nil
	case LimitsMinimum:
		return LimitsMinimum, nil
	}
	return "", fmt.Errorf("gpu: %s is %q: want %q or %q", from, mode, LimitsDevice, LimitsMinimum)
}

// clampToMinimum lowers every limit of d to MinimumLimits (raises the
// alignments to it) and turns off the optional features vkstyle uses.
func (d *DeviceInfo) clampToMinimum() {
	m := &MinimumLimits
	d.MaxTexelBufferElements = min(d.MaxTexelBufferElements, m.MaxTexelBufferElements)
	d.MaxStorageBufferRange = min(d.MaxStorageBufferRange, m.MaxStorageBufferRange)
	d.StorageOffsetAlignment = max(d.StorageOffsetAlignment, m.StorageOffsetAlignment)
	d.TexelOffsetAlignment = max(d.TexelOffsetAlignment, m.TexelOffsetAlignment)
	d.MaxPushConstants = min(d.MaxPushConstants, m.MaxPushConstants)
	d.MaxMemoryAllocation = min(d.MaxMemoryAllocation, m.MaxMemoryAllocation)
	d.MaxSharedMemory = min(d.MaxSharedMemory, m.MaxSharedMemory)
	for i := range 3 {
		d.MaxWorkGroupCount[i] = min(d.MaxWorkGroupCount[i], m.MaxWorkGroupCount[i])
		d.MaxWorkGroupSize[i] = min(d.MaxWorkGroupSize[i], m.MaxWorkGroupSize[i])
	}
	d.MaxWorkGroupInvocations = min(d.MaxWorkGroupInvocations, m.MaxWorkGroupInvocations)
	d.MaxStorageBuffers = min(d.MaxStorageBuffers, m.MaxStorageBuffers)
	d.MaxSampledImages = min(d.MaxSampledImages, m.MaxSampledImages)
	d.MaxBoundSets = min(d.MaxBoundSets, m.MaxBoundSets)
	d.SubgroupSize = m.SubgroupSize
	d.SubgroupShuffle = false
	d.Float16, d.Storage16 = false, false
	d.Limits = LimitsMinimum
}
