package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/vkstyle/vkstyle/gpu"
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
			Default               bool   `json:"default"`
			Chosen                bool   `json:"chosen"`
		}
		var out []dev
		for _, d := range infos {
			x := dev{d.Index, d.Name, d.Type.String(), d.DriverName, d.DriverInfo, d.APIVersion, nil,
				d.SubgroupSize, d.Float16, d.Storage16, d.MaxStorageBufferRange, d.Default, d.Index == chosen.Index}
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
		}
		for _, r := range rows {
			fmt.Fprintf(stdout, "      %-12s %s\n", r[0], r[1])
		}
	}
	fmt.Fprintln(stdout, "\n* default   > chosen by -device or $VKSTYLE_DEVICE")
	return nil
}
