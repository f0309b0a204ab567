package gpu_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/gputest"
)

// cHeapSettled collects twice, so that vulkan-go's finalizers (which free
// from a goroutine) have run, and returns the C heap in use.
func cHeapSettled() int64 {
	for range 2 {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	return gpu.CHeapInUse()
}

// An optimisation iteration records a batch, submits it and resets it, with
// a scratch buffer; 2000 of them must not grow the C heap. Before every
// vulkan-go struct conversion was freed (cmem.go) this grew by 816 KB.
func TestBatchLoopFreesCMemory(t *testing.T) {
	if gpu.CHeapInUse() < 0 {
		t.Skip("mallinfo2 needs glibc 2.33")
	}
	dev := gputest.Open(t, gpu.Options{})
	x := upload(t, dev, "x", []float32{1, 2, 3})
	y := upload(t, dev, "y", []float32{10, 20, 30})
	b, err := dev.NewBatch()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	iteration := func() {
		tmp, err := b.Temp("tmp", 16)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Axpy(y, 0, x, 3); err != nil {
			t.Fatal(err)
		}
		if err := b.Sum(tmp, 0, y, 3); err != nil {
			t.Fatal(err)
		}
		if err := b.Submit(); err != nil {
			t.Fatal(err)
		}
		if err := b.Reset(); err != nil {
			t.Fatal(err)
		}
	}
	for range 200 { // warm the driver's own pools
		iteration()
	}
	before := cHeapSettled()
	const n = 2000
	for range n {
		iteration()
	}
	after := cHeapSettled()
	grew := after - before
	t.Logf("C heap: %d bytes before, %+d after %d iterations", before, grew, n)
	// Before: +816 KB (408 bytes an iteration). The validation layer's own
	// bookkeeping moves the count by tens of KB.
	if grew > 256<<10 {
		t.Errorf("C heap grew %d bytes over %d batch iterations (%d per iteration)", grew, n, grew/n)
	}
}
