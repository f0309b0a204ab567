package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/stylize"
)

func runDevices(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("devices", stderr)
	selector := fs.String("device", "", "device index or name substring to mark as chosen (default: $VKSTYLE_DEVICE, then discrete > integrated > virtual > CPU)")
	asJSON := fs.Bool("json", false, "print the devices as JSON")
	check := fs.Bool("check", false, "run the vector kernels on the chosen device, verify the results and report bandwidth")
	checkMiB := fs.Uint64("check-mib", 64, "size of each vector -check uses, in MiB")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *check {
		return checkDevice(*selector, *checkMiB, stdout)
	}
	infos, err := gpu.Devices()
	if err != nil {
		return err
	}
	chosen, err := gpu.Choose(infos, *selector)
	if err != nil {
		return err
	}
	if *asJSON {
		type heap struct {
			Bytes       uint64 `json:"bytes"`
			DeviceLocal bool   `json:"device_local"`
		}
		type dev struct {
			Index                 int    `json:"index"`
			Name                  string `json:"name"`
			Type                  string `json:"type"`
			Driver                string `json:"driver"`
			DriverInfo            string `json:"driver_info"`
			API                   string `json:"api_version"`
			Heaps                 []heap `json:"heaps"`
			SubgroupSize          uint32 `json:"subgroup_size"`
			Float16               bool   `json:"fp16"`
			Storage16             bool   `json:"storage16"`
			MaxStorageBufferRange uint64 `json:"max_storage_buffer_range"`
			Limits                limits `json:"limits"`
			Default               bool   `json:"default"`
			Chosen                bool   `json:"chosen"`
		}
		var out []dev
		for _, d := range infos {
			x := dev{d.Index, d.Name, d.Type.String(), d.DriverName, d.DriverInfo, d.APIVersion, nil,
				d.SubgroupSize, d.Float16, d.Storage16, d.MaxStorageBufferRange, limitsOf(&d), d.Default, d.Index == chosen.Index}
			for _, h := range d.Heaps {
				x.Heaps = append(x.Heaps, heap{h.Size, h.DeviceLocal})
			}
			out = append(out, x)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	for _, d := range infos {
		mark := " "
		if d.Default {
			mark = "*"
		}
		if d.Index == chosen.Index && !d.Default {
			mark = ">"
		}
		fmt.Fprintf(stdout, "%s %d  %s  (%s)\n", mark, d.Index, d.Name, d.Type)
		driver := d.DriverName
		if d.DriverInfo != "" {
			driver += ", " + d.DriverInfo
		}
		if driver == "" {
			driver = fmt.Sprintf("version %#x", d.DriverVersion)
		}
		var heaps []string
		for _, h := range d.Heaps {
			kind := "host"
			if h.DeviceLocal {
				kind = "device-local"
			}
			heaps = append(heaps, fmt.Sprintf("%v %s", gpu.Bytes(h.Size), kind))
		}
		fp16 := "no"
		if d.Float16 {
			fp16 = "yes"
		}
		if d.Storage16 {
			fp16 += ", 16-bit storage"
		}
		rows := [][2]string{
			{"driver", driver},
			{"api", d.APIVersion},
			{"memory", strings.Join(heaps, "; ")},
			{"subgroup", fmt.Sprint(d.SubgroupSize)},
			{"fp16", fp16},
			{"max binding", fmt.Sprintf("%v (maxStorageBufferRange)", gpu.Bytes(d.MaxStorageBufferRange))},
			{"texel buffer", fmt.Sprintf("%d elements (maxTexelBufferElements)", d.MaxTexelBufferElements)},
			{"alignment", fmt.Sprintf("storage %d B, texel %d B (min*BufferOffsetAlignment)", d.StorageOffsetAlignment, d.TexelOffsetAlignment)},
			{"work group", fmt.Sprintf("%d invocations, %v shared memory", d.MaxWorkGroupInvocations, gpu.Bytes(uint64(d.MaxSharedMemory)))},
			{"bindings", fmt.Sprintf("%d storage, %d texel per stage", d.MaxStorageBuffers, d.MaxSampledImages)},
		}
		if d.Unusable != "" {
			rows = append(rows, [2]string{"unusable", d.Unusable + ": listed, never chosen"})
		}
		if d.Limits == gpu.LimitsMinimum {
			rows = append(rows, [2]string{"limits", fmt.Sprintf("clamped to the Vulkan 1.1 minimum (%s=%s)", gpu.LimitsEnv, gpu.LimitsMinimum)})
		}
		rows = append(rows, stylize.KernelChoices(&d)...)
		for _, r := range rows {
			fmt.Fprintf(stdout, "      %-12s %s\n", r[0], r[1])
		}
	}
	fmt.Fprintln(stdout, "\n* default   > chosen by -device or $VKSTYLE_DEVICE")
	return nil
}

// limits is the part of a device's limits that decides which kernels run,
// as `vkstyle devices -json` prints it.
type limits struct {
	Mode                   string    `json:"mode"` // gpu.LimitsDevice or gpu.LimitsMinimum
	MaxTexelBufferElements uint32    `json:"max_texel_buffer_elements"`
	StorageOffsetAlignment uint64    `json:"min_storage_buffer_offset_alignment"`
	TexelOffsetAlignment   uint64    `json:"min_texel_buffer_offset_alignment"`
	MaxWorkGroupInvocation uint32    `json:"max_compute_work_group_invocations"`
	MaxWorkGroupCount      [3]uint32 `json:"max_compute_work_group_count"`
	MaxSharedMemory        uint32    `json:"max_compute_shared_memory_size"`
	MaxPushConstants       uint32    `json:"max_push_constants_size"`
	MaxStorageBuffers      uint32    `json:"max_per_stage_storage_buffers"`
	MaxSampledImages       uint32    `json:"max_per_stage_sampled_images"`
	MaxMemoryAllocation    uint64    `json:"max_memory_allocation_size"`
	SubgroupShuffle        bool      `json:"subgroup_shuffle_vote"`
}

func limitsOf(d *gpu.DeviceInfo) limits {
	return limits{d.Limits, d.MaxTexelBufferElements, d.StorageOffsetAlignment, d.TexelOffsetAlignment,
		d.MaxWorkGroupInvocations, d.MaxWorkGroupCount, d.MaxSharedMemory, d.MaxPushConstants,
		d.MaxStorageBuffers, d.MaxSampledImages, d.MaxMemoryAllocation, d.SubgroupShuffle}
}
