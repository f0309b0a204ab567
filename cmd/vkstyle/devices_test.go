package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// `vkstyle devices` shows the limits that decide which kernels run, and
// under VKSTYLE_LIMITS=minimum that they are clamped and what that changes:
// the shared-memory family cannot run, texel reads stop at 65536.
func TestDevicesShowLimits(t *testing.T) {
	requireDevice(t)
	for _, mode := range []string{"", "minimum"} {
		t.Setenv("VKSTYLE_LIMITS", mode)
		code, out, stderr := vkstyle(t, "devices")
		if code != 0 {
			t.Fatalf("VKSTYLE_LIMITS=%q devices: %s", mode, stderr)
		}
		for _, field := range []string{"texel buffer", "alignment", "work group", "bindings", "kernels", "shared", "reads"} {
			if !strings.Contains(out, field) {
				t.Errorf("VKSTYLE_LIMITS=%q: devices output lacks %q:\n%s", mode, field, out)
			}
		}
		if mode == "minimum" {
			for _, want := range []string{"clamped to the Vulkan 1.1 minimum", "65536 elements", "128 invocations, 16 KiB", "4 storage, 16 texel",
				"no: work groups of 256 invocations are above the device's 128", "storage 256 B, texel 256 B"} {
				if !strings.Contains(out, want) {
					t.Errorf("VKSTYLE_LIMITS=minimum: devices output lacks %q:\n%s", want, out)
				}
			}
			code, out, _ = vkstyle(t, "devices", "-json")
			var list []struct {
				Limits struct {
					Mode  string `json:"mode"`
					Texel uint32 `json:"max_texel_buffer_elements"`
				} `json:"limits"`
			}
			if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) == 0 {
				t.Fatalf("devices -json: %d %s", code, out)
			}
			if l := list[0].Limits; l.Mode != "minimum" || l.Texel != 65536 {
				t.Errorf("devices -json limits = %+v, want mode minimum, 65536 texels", l)
			}
		}
	}
	t.Setenv("VKSTYLE_LIMITS", "tiny")
	code, _, stderr := vkstyle(t, "devices")
	oneLineError(t, code, stderr, "VKSTYLE_LIMITS", `"tiny"`, "minimum")
}
