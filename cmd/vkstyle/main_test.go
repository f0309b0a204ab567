package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// vkstyle runs the command line in process and returns its exit status and
// output.
func vkstyle(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// requireDevice skips when there is no Vulkan device, unless the test
// command demands one (see skipMissing).
func requireDevice(t *testing.T) {
	t.Helper()
	if code, _, stderr := vkstyle(t, "devices"); code != 0 {
		skipMissing(t, "no Vulkan device: %s", stderr)
	}
}

// skipMissing skips a test whose environment lacks what it needs (a
// device, a display server, a tool), saying what; with
// VKSTYLE_REQUIRE_GPU=1, where the test command demands the full
// environment, it fails instead, so that nothing passes by skipping.
func skipMissing(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("VKSTYLE_REQUIRE_GPU") == "1" {
		t.Fatalf("VKSTYLE_REQUIRE_GPU=1: "+format, args...)
	}
	t.Skipf(format, args...)
}

// oneLineError checks the shape every failure must have: a non-zero status
// and exactly one line on stderr naming the problem.
func oneLineError(t *testing.T, code int, stderr string, want ...string) {
	t.Helper()
	if code == 0 {
		t.Fatalf("exit status 0, want failure")
	}
	if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "vkstyle: ") {
		t.Errorf("stderr is not one line: %q", stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q lacks %q", stderr, w)
		}
	}
}

func TestDevicesMarksDefault(t *testing.T) {
	requireDevice(t)
	code, out, _ := vkstyle(t, "devices")
	if code != 0 || !strings.Contains(out, "* 0") && !strings.Contains(out, "* 1") {
		t.Errorf("no default marked:\n%s", out)
	}
	for _, field := range []string{"driver", "api", "memory", "subgroup", "fp16", "max binding"} {
		if !strings.Contains(out, field) {
			t.Errorf("devices output lacks %q:\n%s", field, out)
		}
	}
	code, out, _ = vkstyle(t, "devices", "-json")
	var list []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) == 0 {
		t.Fatalf("devices -json: %d %s", code, out)
	}
	if list[0]["max_storage_buffer_range"].(float64) <= 0 {
		t.Errorf("json lacks limits: %v", list[0])
	}
}

func TestDevicesBadSelectors(t *testing.T) {
	requireDevice(t)
	code, _, stderr := vkstyle(t, "devices", "-device", "no-such-gpu")
	oneLineError(t, code, stderr, `"no-such-gpu"`, "vkstyle devices")
	code, _, stderr = vkstyle(t, "devices", "-device", "99")
	oneLineError(t, code, stderr, "index 99 is out of range")
	t.Setenv("VKSTYLE_DEVICE", "also-not-a-gpu")
	code, _, stderr = vkstyle(t, "devices")
	oneLineError(t, code, stderr, `"also-not-a-gpu"`)
}

func TestDevicesCheck(t *testing.T) {
	requireDevice(t)
	code, out, stderr := vkstyle(t, "devices", "-check", "-check-mib", "4")
	if code != 0 || !strings.Contains(out, "results verified") {
		t.Fatalf("check: %d\n%s%s", code, out, stderr)
	}
	code, _, stderr = vkstyle(t, "devices", "-check", "-check-mib", "1048576")
	oneLineError(t, code, stderr, "too large", "use a smaller -check-mib")
	code, _, stderr = vkstyle(t, "devices", "-check", "-check-mib", "0")
	oneLineError(t, code, stderr, "-check-mib 0")
}

func TestUsage(t *testing.T) {
	if code, out, _ := vkstyle(t, "help"); code != 0 || !strings.Contains(out, "devices") {
		t.Errorf("help: %d %q", code, out)
	}
	code, _, stderr := vkstyle(t, "paint")
	if code != 2 || !strings.Contains(stderr, `unknown command "paint"`) {
		t.Errorf("unknown command: %d %q", code, stderr)
	}
	if code, _, _ := vkstyle(t, "devices", "-bogus"); code != 2 {
		t.Errorf("unknown flag: status %d, want 2", code)
	}
	// -h prints the flags and does nothing else, successfully.
	for _, cmd := range []string{"render", "bench", "devices"} {
		code, stdout, stderr := vkstyle(t, cmd, "-h")
		if code != 0 || stdout != "" || !strings.Contains(stderr, "Usage of vkstyle "+cmd) {
			t.Errorf("%s -h: status %d, stdout %q, stderr %.60q", cmd, code, stdout, stderr)
		}
	}
}

// With no Vulkan driver, `vkstyle devices` says what to install. The
// loader reads its variables at instance creation, so a child process runs
// the command with them pointing at nothing.
func TestNoDriver(t *testing.T) {
	if os.Getenv("VKSTYLE_TEST_CHILD") == "1" {
		os.Exit(run(os.Args[len(os.Args)-1:], os.Stdout, os.Stderr))
	}
	missing := filepath.Join(t.TempDir(), "none.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoDriver$", "devices")
	cmd.Env = append(os.Environ(), "VKSTYLE_TEST_CHILD=1", "VK_DRIVER_FILES="+missing, "VK_ICD_FILENAMES="+missing)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	oneLineError(t, code, stderr.String(), "mesa-vulkan-drivers")
}

// TestMain keeps the tests' pipeline caches out of the user's cache
// directory.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vkstyle-cache")
	if err == nil {
		os.Setenv("XDG_CACHE_HOME", dir)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
