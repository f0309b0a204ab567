package gpu_test

import (
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/gputest"
	"github.com/vkstyle/vkstyle/shaders"
)

const bench64Mi = 64 << 20 // floats: 256 MiB, two bindings' worth on lavapipe

func benchBuffers(b *testing.B, dev *gpu.Device, n int, names ...string) []*gpu.Buffer {
	var bufs []*gpu.Buffer
	for _, name := range names {
		buf, err := dev.NewBuffer(name, uint64(n)*4)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { buf.Close() })
		bufs = append(bufs, buf)
	}
	return bufs
}

// runBatch records once and times b.N submissions, the way an optimisation
// loop uses a batch.
func runBatch(b *testing.B, dev *gpu.Device, record func(*gpu.Batch) error) {
	batch, err := dev.NewBatch()
	if err != nil {
		b.Fatal(err)
	}
	defer batch.Close()
	if err := record(batch); err != nil {
		b.Fatal(err)
	}
	if err := batch.Submit(); err != nil { // warm-up
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := batch.Submit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSum64Mi reports the bandwidth (MB/s, of bytes read) of a
// deterministic sum over 64 Mi floats.
func BenchmarkSum64Mi(b *testing.B) {
	dev := gputest.Open(b, gpu.Options{})
	bufs := benchBuffers(b, dev, bench64Mi, "x", "s")
	b.SetBytes(bench64Mi * 4)
	runBatch(b, dev, func(batch *gpu.Batch) error { return batch.Sum(bufs[1], 0, bufs[0], bench64Mi) })
}

// BenchmarkAxpy64Mi reports the bandwidth of y += a·x over 64 Mi floats
// (two reads and one write per element).
func BenchmarkAxpy64Mi(b *testing.B) {
	dev := gputest.Open(b, gpu.Options{})
	bufs := benchBuffers(b, dev, bench64Mi, "x", "y")
	b.SetBytes(3 * bench64Mi * 4)
	runBatch(b, dev, func(batch *gpu.Batch) error { return batch.Axpy(bufs[1], 1e-6, bufs[0], bench64Mi) })
}

const tinyDispatches = 1000

// BenchmarkDispatchInBatch is the cost of one small dispatch recorded among
// 1000 in one batch: an op is one submission of the 1000, and ns/dispatch
// divides it, submission and wait included.
func BenchmarkDispatchInBatch(b *testing.B) {
	dev := gputest.Open(b, gpu.Options{})
	align := max(dev.Info.StorageOffsetAlignment, 1024)
	buf := benchBuffers(b, dev, int(align/4*tinyDispatches), "x")[0]
	code, _ := shaders.Code("fill")
	k, err := dev.Kernel(gpu.KernelSpec{Name: "fill", Code: code, Bindings: 1, PushSize: 8})
	if err != nil {
		b.Fatal(err)
	}
	push := make([]byte, 8)
	push[0] = 64 // n = 64 floats
	batch, _ := dev.NewBatch()
	defer batch.Close()
	for i := 0; i < tinyDispatches; i++ { // disjoint ranges: no barriers
		if err := batch.Dispatch1D(k, 64, push, buf.Range(uint64(i)*align, 256)); err != nil {
			b.Fatal(err)
		}
	}
	batch.Submit()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := batch.Submit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*tinyDispatches), "ns/dispatch")
}

// BenchmarkSubmitWait is the cost of the same small dispatch submitted and
// waited on alone: the per-op pattern batches exist to avoid.
func BenchmarkSubmitWait(b *testing.B) {
	dev := gputest.Open(b, gpu.Options{})
	buf := benchBuffers(b, dev, 64, "x")[0]
	runBatch(b, dev, func(batch *gpu.Batch) error { return batch.Fill(buf, 64, 1) })
}

// BenchmarkRecordDispatch is the host cost of recording one dispatch
// (descriptor set, barrier tracking, commands), paid once per batch.
func BenchmarkRecordDispatch(b *testing.B) {
	dev := gputest.Open(b, gpu.Options{})
	buf := benchBuffers(b, dev, 64, "x")[0]
	batch, _ := dev.NewBatch()
	defer batch.Close()
	batch.Fill(buf, 64, 1) // builds the kernel
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%4096 == 0 {
			batch.Reset()
		}
		if err := batch.Fill(buf, 64, 1); err != nil {
			b.Fatal(err)
		}
	}
}
