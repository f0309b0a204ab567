package gpu

import (
	"os"
	"strings"
	"testing"

	vk "github.com/vulkan-go/vulkan"
)

// openValidating opens the default device with validation on, skipping when
// the layer is not installed and the test command did not require it.
func openValidating(t *testing.T) *Device {
	t.Helper()
	d, err := Open(Options{Validate: true, CacheDir: "-", Warn: func(string) {}})
	if err != nil {
		if os.Getenv("VKSTYLE_REQUIRE_GPU") != "1" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// The messenger really delivers: an invalid call is reported.
func TestValidationReportsErrors(t *testing.T) {
	d := openValidating(t)
	info := vk.BufferCreateInfo{SType: vk.StructureTypeBufferCreateInfo, Size: 0,
		Usage: vk.BufferUsageFlags(vk.BufferUsageStorageBufferBit)}
	var h vk.Buffer
	if vk.CreateBuffer(d.h, &info, nil, &h) == vk.Success && h != nil {
		vk.DestroyBuffer(d.h, h, nil)
	}
	msgs := d.Validation(0)
	if len(msgs) == 0 || !strings.Contains(strings.Join(msgs, "\n"), "size") {
		t.Fatalf("a zero-sized VkBuffer was not reported: %q", msgs)
	}
}

// Synchronisation validation is on, and the batch's barriers are what keep
// it quiet: dropping them makes it report the hazard.
func TestSyncValidationSeesMissingBarrier(t *testing.T) {
	for _, withBarrier := range []bool{true, false} {
		d := openValidating(t)
		buf, err := d.NewBuffer("x", 4096)
		if err != nil {
			t.Fatal(err)
		}
		out, err := d.NewBuffer("y", 4096)
		if err != nil {
			t.Fatal(err)
		}
		b, err := d.NewBatch()
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Fill(buf, 1024, 1); err != nil {
			t.Fatal(err)
		}
		if !withBarrier {
			b.written = nil // forget the write: no barrier before the read
		}
		if err := b.CopyVec(out, buf, 1024); err != nil {
			t.Fatal(err)
		}
		if err := b.Submit(); err != nil {
			t.Fatal(err)
		}
		hazard := strings.Contains(strings.Join(d.Validation(0), "\n"), "SYNC-HAZARD")
		if hazard == withBarrier {
			t.Errorf("with barrier %v: sync hazard reported %v: %q", withBarrier, hazard, d.Validation(0))
		}
		if withBarrier && b.Barriers() != 1 {
			t.Errorf("read after write recorded %d barriers, want 1", b.Barriers())
		}
		b.Close()
		buf.Close()
		out.Close()
		d.Close()
	}
}
