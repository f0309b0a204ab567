package gpu_test

import (
	"runtime"
	"runtime/debug"
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

// Dispatches, copies, barriers and submissions go through record.c, which
// keeps its structs on the C stack: with the collector off, so that no
// finalizer can free anything, 1000 iterations must leave the C heap where
// it was. Through vulkan-go's slice conversions, which only a finalizer
// frees, the same loop held about 1 KB more per iteration until the next
// collection (and that collection's frees ran on goroutines of their own).
func TestHotPathNeedsNoCollector(t *testing.T) {
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
		if err := b.Axpy(y, 0, x, 3); err != nil {
			t.Fatal(err)
		}
		if err := b.Copy(x.All(), y.All()); err != nil {
			t.Fatal(err)
		}
		if err := b.Submit(); err != nil {
			t.Fatal(err)
		}
		if err := b.Reset(); err != nil {
			t.Fatal(err)
		}
	}
	for range 100 {
		iteration()
	}
	before := cHeapSettled()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	const n = 1000
	for range n {
		iteration()
	}
	grew := gpu.CHeapInUse() - before
	t.Logf("C heap: %+d bytes after %d iterations with the collector off", grew, n)
	if grew > 64<<10 {
		t.Errorf("C heap grew %d bytes over %d iterations with the collector off (%d per iteration): something on the hot path leaves C memory for a finalizer", grew, n, grew/n)
	}
}
