package gpu

import (
	"strings"
	"testing"
)

func fakeDevices() []DeviceInfo {
	return []DeviceInfo{
		{Index: 0, Name: "llvmpipe (LLVM 15.0.6, 256 bits)", Type: CPU},
		{Index: 1, Name: "Intel(R) UHD Graphics 630", Type: Integrated},
		{Index: 2, Name: "NVIDIA GeForce RTX 3090", Type: Discrete},
		{Index: 3, Name: "Transfer Only", Type: Discrete, ComputeFamily: -1},
		{Index: 4, Name: "SwiftShader Device (Subzero)", Type: CPU},
	}
}

func TestDefaultOrderPrefersRealGPUs(t *testing.T) {
	cases := []struct {
		keep []int
		want int
	}{
		{[]int{0, 1, 2, 3}, 2}, // discrete over integrated over CPU
		{[]int{0, 1}, 1},       // integrated over CPU (lavapipe never wins over a GPU)
		{[]int{0}, 0},
		{[]int{3, 0}, 0}, // a device without compute is never chosen
		{[]int{3}, -1},
		{[]int{4, 0}, 0}, // lavapipe over SwiftShader, whichever the loader lists first
		{[]int{0, 4}, 0},
		{[]int{4, 1}, 1}, // a GPU over both
		{[]int{4}, 4},    // SwiftShader alone
	}
	for _, c := range cases {
		all := fakeDevices()
		var infos []DeviceInfo
		for _, i := range c.keep {
			infos = append(infos, all[i])
		}
		got := defaultDevice(infos)
		if got >= 0 {
			got = infos[got].Index
		}
		if got != c.want {
			t.Errorf("devices %v: default %d, want %d", c.keep, got, c.want)
		}
	}
}

func TestSelectDevice(t *testing.T) {
	t.Setenv(SelectorEnv, "")
	infos := fakeDevices()
	infos[defaultDevice(infos)].Default = true
	pick := func(sel string) (int, error) {
		d, err := selectDevice(infos, sel)
		if err != nil {
			return -1, err
		}
		return d.Index, nil
	}
	for sel, want := range map[string]int{"": 2, "0": 0, "1": 1, "LLVMpipe": 0, "uhd": 1, "rtx": 2} {
		if got, err := pick(sel); err != nil || got != want {
			t.Errorf("selector %q: got %d (%v), want %d", sel, got, err, want)
		}
	}
	t.Setenv(SelectorEnv, "intel")
	if got, _ := pick(""); got != 1 {
		t.Errorf("$%s=intel picked %d, want 1", SelectorEnv, got)
	}
	if got, _ := pick("0"); got != 0 {
		t.Errorf("an explicit selector must win over $%s: got %d", SelectorEnv, got)
	}
	for sel, wantMsg := range map[string]string{
		"7":      "device index 7 is out of range: there are 5 devices",
		"-1":     "device index -1 is out of range",
		"radeon": `no device name contains "radeon"`,
		"3":      "has no compute queue",
	} {
		_, err := pick(sel)
		if err == nil || !strings.Contains(err.Error(), wantMsg) || strings.Contains(err.Error(), "\n") {
			t.Errorf("selector %q: error %v, want one line containing %q", sel, err, wantMsg)
		}
	}
}

func TestNoLoaderMessage(t *testing.T) {
	err := loadLibrary("libvulkan-not-installed.so.1")
	if err == nil {
		t.Fatal("loading a missing library succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"libvulkan-not-installed.so.1", "apt install libvulkan1", "mesa-vulkan-drivers"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("message is not one line: %q", msg)
	}
}

// A device below Vulkan 1.1 is listed with the reason but never chosen,
// by default or by selector, even when it is the only discrete GPU.
func TestUnusableNeverChosen(t *testing.T) {
	t.Setenv(SelectorEnv, "")
	for _, c := range []struct {
		major, minor, family int
		want                 string
	}{
		{1, 0, 0, "Vulkan 1.0: vkstyle's shaders are SPIR-V 1.3, which needs Vulkan 1.1"},
		{0, 9, 0, "Vulkan 0.9"},
		{1, 1, -1, "no queue family with compute"},
		{1, 1, 0, ""},
		{1, 3, 2, ""},
		{2, 0, 0, ""},
	} {
		if got := unusable(c.major, c.minor, c.family); (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("Vulkan %d.%d, family %d: %q, want %q", c.major, c.minor, c.family, got, c.want)
		}
	}
	old := unusable(1, 0, 0)
	infos := []DeviceInfo{
		{Index: 0, Name: "llvmpipe (LLVM 15.0.6, 256 bits)", Type: CPU},
		{Index: 1, Name: "Old Discrete GPU", Type: Discrete, Unusable: old},
	}
	if got := defaultDevice(infos); got != 0 {
		t.Errorf("default %d, want 0: a Vulkan 1.0 device must not win over lavapipe", got)
	}
	infos[0].Default = true
	for _, sel := range []string{"1", "old"} {
		_, err := selectDevice(infos, sel)
		if err == nil || !strings.Contains(err.Error(), "cannot run vkstyle: "+old) || strings.Contains(err.Error(), "\n") {
			t.Errorf("selector %q: error %v, want one line with the reason", sel, err)
		}
	}
	if got := defaultDevice(infos[1:]); got != -1 {
		t.Errorf("only a Vulkan 1.0 device: default %d, want -1", got)
	}
}
