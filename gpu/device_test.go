package gpu_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/gputest"
	"github.com/vkstyle/vkstyle/shaders"
)

func TestDevicesListsADefault(t *testing.T) {
	infos, err := gpu.Devices()
	if err != nil {
		if os.Getenv("VKSTYLE_REQUIRE_GPU") != "1" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	defaults := 0
	for _, d := range infos {
		if d.Default {
			defaults++
		}
		if d.Name == "" || d.MaxStorageBufferRange == 0 || d.MaxPushConstants < 128 || d.SubgroupSize == 0 || len(d.Heaps) == 0 {
			t.Errorf("device %d: incomplete info %+v", d.Index, d)
		}
	}
	if defaults != 1 {
		t.Errorf("%d devices marked default, want 1", defaults)
	}
}

// With the loader pointed at a driver manifest that does not exist, the
// error names what to install. Run in a child process: the loader reads the
// variables when an instance is created, and the parent's are untouched.
func TestNoDriver(t *testing.T) {
	if os.Getenv("VKSTYLE_TEST_NO_DRIVER") == "1" {
		_, err := gpu.Devices()
		if err == nil {
			os.Exit(3)
		}
		os.Stdout.WriteString(err.Error())
		if errors.Is(err, gpu.ErrNoDevice) {
			os.Exit(0)
		}
		os.Exit(4)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoDriver$")
	missing := filepath.Join(t.TempDir(), "none.json")
	cmd.Env = append(os.Environ(), "VKSTYLE_TEST_NO_DRIVER=1", "VK_DRIVER_FILES="+missing, "VK_ICD_FILENAMES="+missing)
	out, err := cmd.Output()
	msg := string(out)
	if err != nil {
		t.Fatalf("child: %v: %s", err, msg)
	}
	if !strings.Contains(msg, "mesa-vulkan-drivers") || !strings.Contains(msg, "driver") {
		t.Errorf("no-driver message %q does not say what to install", msg)
	}
}

func TestBufferLargerThanDevice(t *testing.T) {
	dev := gputest.Open(t, gpu.Options{})
	_, err := dev.NewBuffer("huge", 1<<50)
	if !errors.Is(err, gpu.ErrTooLarge) || !strings.Contains(err.Error(), `"huge"`) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("a 1 PiB buffer: error %v, want one line naming the buffer, wrapping ErrTooLarge", err)
	}
	// Just over the largest single allocation, but within the heap.
	if max := dev.Info.MaxMemoryAllocation; max < dev.Info.LocalMemory() {
		_, err := dev.NewBuffer("big", max+4096)
		if !errors.Is(err, gpu.ErrTooLarge) || !strings.Contains(err.Error(), "maxMemoryAllocationSize") {
			t.Fatalf("a buffer over maxMemoryAllocationSize: error %v", err)
		}
	}
}

func TestBindingOverLimitIsAnError(t *testing.T) {
	dev := gputest.Open(t, gpu.Options{MaxBindingRange: 4096})
	buf, err := dev.NewBuffer("x", 8192)
	if err != nil {
		t.Fatal(err)
	}
	defer buf.Close()
	code, _ := shaders.Code("fill")
	k, err := dev.Kernel(gpu.KernelSpec{Name: "fill", Code: code, Bindings: 1, PushSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	b, err := dev.NewBatch()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Dispatch1D(k, 2048, make([]byte, 8), buf.All())
	if err == nil || !strings.Contains(err.Error(), "storage-buffer range") {
		t.Fatalf("binding 8 KiB under a 4 KiB limit: %v", err)
	}
	// The vector kernels split instead.
	if err := b.Fill(buf, 2048, 5); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(); err != nil {
		t.Fatal(err)
	}
	if b.Dispatches() != 2 {
		t.Errorf("fill over 2 bindings took %d dispatches", b.Dispatches())
	}
	v := download(t, buf, 2048)
	if v[0] != 5 || v[2047] != 5 {
		t.Errorf("split fill: %v ... %v", v[0], v[2047])
	}
}

func TestKernelLimits(t *testing.T) {
	dev := gputest.Open(t, gpu.Options{})
	code, _ := shaders.Code("fill")
	_, err := dev.Kernel(gpu.KernelSpec{Name: "fill", Code: code, Bindings: 1, PushSize: dev.Info.MaxPushConstants + 4})
	if err == nil || !strings.Contains(err.Error(), "push constants") {
		t.Errorf("oversized push constants: %v", err)
	}
	_, err = dev.Kernel(gpu.KernelSpec{Name: "fill", Code: code, Bindings: 1, PushSize: 8, LocalSize: dev.Info.MaxWorkGroupInvocations * 2})
	if err == nil || !strings.Contains(err.Error(), "work-group size") {
		t.Errorf("oversized work group: %v", err)
	}
	_, err = dev.Kernel(gpu.KernelSpec{Name: "bad", Code: []byte{1, 2, 3}, Bindings: 1})
	if err == nil {
		t.Error("3 bytes of SPIR-V accepted")
	}
}

func TestLeaksAreReported(t *testing.T) {
	// Skips only where there is no device and none is required.
	dev := gputest.OpenUnchecked(t, gpu.Options{CacheDir: "-"})
	buf, err := dev.NewBuffer("forgotten", 64)
	if err != nil {
		t.Fatal(err)
	}
	if live := dev.Live(); len(live) != 1 || !strings.Contains(live[0], "forgotten") {
		t.Errorf("live objects %v", live)
	}
	err = dev.Close()
	if err == nil || !strings.Contains(err.Error(), `buffer "forgotten"`) {
		t.Errorf("closing with a live buffer: %v", err)
	}
	if err := buf.Close(); err != nil { // already closed by the device: harmless
		t.Error(err)
	}
	if err := dev.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	dev := gputest.Open(t, gpu.Options{})
	buf, _ := dev.NewBuffer("x", 16)
	b, _ := dev.NewBatch()
	for i := 0; i < 2; i++ {
		if err := buf.Close(); err != nil {
			t.Error(err)
		}
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	}
	if err := buf.Write(0, []byte{1}); err == nil {
		t.Error("write to a closed buffer succeeded")
	}
	if len(dev.Live()) != 0 {
		t.Errorf("live after close: %v", dev.Live())
	}
}

func TestMemoryUsage(t *testing.T) {
	dev := gputest.Open(t, gpu.Options{BlockSize: 1 << 20})
	_, used0, budget := dev.MemoryUsage()
	if budget == 0 {
		t.Fatal("no budget")
	}
	var bufs []*gpu.Buffer
	for i := 0; i < 10; i++ { // 10 × 300 KiB: several blocks of 1 MiB
		b, err := dev.NewBuffer("b", 300<<10)
		if err != nil {
			t.Fatal(err)
		}
		bufs = append(bufs, b)
	}
	reserved, used, _ := dev.MemoryUsage()
	if used-used0 < 10*300<<10 || reserved < used {
		t.Errorf("after 3000 KiB: reserved %d used %d", reserved, used)
	}
	// Distinct, non-overlapping ranges: write a marker to each and read back.
	for i, b := range bufs {
		if err := b.WriteFloat32(0, []float32{float32(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i, b := range bufs {
		v := download(t, b, 1)
		if v[0] != float32(i) {
			t.Errorf("buffer %d reads %v", i, v[0])
		}
		b.Close()
	}
	if _, used, _ := dev.MemoryUsage(); used != used0 {
		t.Errorf("used %d after freeing everything, want %d", used, used0)
	}
}

// A recorded batch is submitted many times: one iteration per submission.
func TestBatchReuse(t *testing.T) {
	dev := gputest.Open(t, gpu.Options{})
	x := upload(t, dev, "x", []float32{1, 2, 3})
	y := upload(t, dev, "y", []float32{10, 20, 30})
	s := upload(t, dev, "s", []float32{0})
	b, err := dev.NewBatch()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Axpy(y, 2, x, 3); err != nil {
		t.Fatal(err)
	}
	if err := b.Sum(s, 0, y, 3); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := b.Submit(); err != nil {
			t.Fatal(err)
		}
	}
	if got := download(t, y, 3); got[0] != 16 || got[1] != 32 || got[2] != 48 {
		t.Errorf("three submissions of y += 2x: %v", got)
	}
	if got := download(t, s, 1); got[0] != 96 {
		t.Errorf("sum %v, want 96", got[0])
	}
	if err := b.Fill(y, 3, 0); err == nil {
		t.Error("recording into a submitted batch without Reset succeeded")
	}
	if err := b.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := b.Fill(y, 3, 0); err != nil {
		t.Fatal(err)
	}
}

// Independent dispatches need no barrier; dependent ones get exactly one.
func TestBarriersFollowDependencies(t *testing.T) {
	dev := gputest.Open(t, gpu.Options{})
	a := upload(t, dev, "a", make([]float32, 64))
	c := upload(t, dev, "c", make([]float32, 64))
	b, _ := dev.NewBatch()
	defer b.Close()
	b.Fill(a, 64, 1)
	b.Fill(c, 64, 2) // independent of the first
	if b.Barriers() != 0 {
		t.Errorf("two independent fills recorded %d barriers", b.Barriers())
	}
	b.Add(a, a, c, 64)   // reads both: one barrier
	b.Scale(c, 3, c, 64) // writes c, read since that barrier: one more
	if b.Barriers() != 2 {
		t.Errorf("dependent chain recorded %d barriers, want 2", b.Barriers())
	}
	if err := b.Submit(); err != nil {
		t.Fatal(err)
	}
	if got := download(t, a, 1)[0]; got != 3 {
		t.Errorf("a = %v, want 3", got)
	}
	if got := download(t, c, 1)[0]; got != 6 {
		t.Errorf("c = %v, want 6", got)
	}
}

func TestProfilingTimings(t *testing.T) {
	dev := gputest.Open(t, gpu.Options{Profile: true})
	if !dev.Profiling() {
		t.Skip("device has no timestamps on its compute queue")
	}
	x := upload(t, dev, "x", make([]float32, 1<<16))
	b, _ := dev.NewBatch()
	defer b.Close()
	b.SetLabel("first")
	b.Fill(x, 1<<16, 1)
	b.SetLabel("")
	b.Scale(x, 2, x, 1<<16)
	for i := 0; i < 2; i++ {
		if err := b.Submit(); err != nil {
			t.Fatal(err)
		}
		tm := b.Timings()
		if len(tm) != 2 || tm[0].Label != "first" || tm[1].Label != "scale" {
			t.Fatalf("timings %+v", tm)
		}
		for _, x := range tm {
			if x.Time <= 0 || x.Time > 10e9 {
				t.Errorf("implausible time %+v", x)
			}
		}
	}
}

func TestPipelineCache(t *testing.T) {
	dir := t.TempDir()
	var warnings []string
	opts := gpu.Options{CacheDir: dir, Warn: func(s string) { warnings = append(warnings, s) }}
	use := func() string {
		dev := gputest.Open(t, opts)
		x := upload(t, dev, "x", make([]float32, 4))
		b, _ := dev.NewBatch()
		b.Fill(x, 4, 1)
		if err := b.Submit(); err != nil {
			t.Fatal(err)
		}
		b.Close()
		x.Close()
		path := dev.CachePath()
		gputest.Close(t, dev)
		return path
	}
	path := use()
	if filepath.Dir(path) != dir {
		t.Fatalf("cache at %s, want under %s", path, dir)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no cache file after a run: %v", err)
	}
	use()
	if len(warnings) != 0 {
		t.Errorf("a valid cache warned: %q", warnings)
	}
	for _, junk := range [][]byte{[]byte("garbage"), append([]byte("VKSPIPE1"), make([]byte, 100)...)} {
		if err := os.WriteFile(path, junk, 0o644); err != nil {
			t.Fatal(err)
		}
		warnings = nil
		use()
		if len(warnings) != 1 || !strings.Contains(warnings[0], "ignoring corrupt pipeline cache") {
			t.Errorf("corrupt cache: warnings %q", warnings)
		}
	}
	warnings = nil
	use() // the corrupt file was replaced by a good one
	if len(warnings) != 0 {
		t.Errorf("cache not rewritten after corruption: %q", warnings)
	}
}
