package gpu

// Profiling a batch: a timestamp pair around each dispatch when the device
// profiles (Options.Profile), read back after the submission as Timings.

import (
	"time"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// Timing is the GPU time of one dispatch of the last submission.
type Timing struct {
	Label string // the batch label at record time, else the kernel name
	Time  time.Duration
}

// SetLabel names the dispatches recorded from now on in Timings; "" goes
// back to kernel names.
func (b *Batch) SetLabel(label string) { b.label = label }

// WithLabel sets the label and returns the function that restores the
// previous one: defer batch.WithLabel("optimiser")().
func (b *Batch) WithLabel(label string) (restore func()) {
	prev := b.label
	b.label = label
	return func() { b.label = prev }
}

// timestamp writes the start (or end) timestamp of the next timed dispatch.
func (b *Batch) timestamp(k *Kernel, start bool) (bool, error) {
	if !b.dev.Profiling() {
		return false, nil
	}
	q := uint32(2 * len(b.labels))
	if start {
		if int(q/queriesPerPool) >= len(b.queries) {
			defer holdGC()() // see gcfence.go
			info := vk.QueryPoolCreateInfo{
				SType:      vk.StructureTypeQueryPoolCreateInfo,
				QueryType:  vk.QueryTypeTimestamp,
				QueryCount: queriesPerPool,
			}
			var pool vk.QueryPool
			defer info.Free() // vulkan-go copied it into C memory: see cmem.go
			if err := check("vkCreateQueryPool", vk.CreateQueryPool(b.dev.h, &info, nil, &pool)); err != nil {
				return false, err
			}
			b.queries = append(b.queries, pool)
		}
		pool := b.queries[q/queriesPerPool]
		vk.CmdResetQueryPool(b.cmd, pool, q%queriesPerPool, 2)
		vk.CmdWriteTimestamp(b.cmd, vk.PipelineStageTopOfPipeBit, pool, q%queriesPerPool)
		return true, nil
	}
	q++
	vk.CmdWriteTimestamp(b.cmd, vk.PipelineStageBottomOfPipeBit, b.queries[q/queriesPerPool], q%queriesPerPool)
	label := b.label
	if label == "" {
		label = k.spec.Name
	}
	b.labels = append(b.labels, label)
	return true, nil
}

func (b *Batch) readTimings() error {
	b.timings = b.timings[:0]
	if len(b.labels) == 0 {
		return nil
	}
	period := float64(b.dev.Info.TimestampPeriod)
	mask := uint64(1)<<b.dev.Info.TimestampBits - 1
	if b.dev.Info.TimestampBits >= 64 {
		mask = ^uint64(0)
	}
	raw := make([]uint64, queriesPerPool)
	for p, pool := range b.queries {
		n := len(b.labels)*2 - p*queriesPerPool
		if n > queriesPerPool {
			n = queriesPerPool
		}
		flags := vk.QueryResultFlags(vk.QueryResult64Bit | vk.QueryResultWaitBit)
		if err := check("vkGetQueryPoolResults", vk.GetQueryPoolResults(b.dev.h, pool, 0, uint32(n), uint(8*n), unsafe.Pointer(&raw[0]), 8, flags)); err != nil {
			return err
		}
		for i := 0; i+1 < n; i += 2 {
			ticks := (raw[i+1] - raw[i]) & mask
			b.timings = append(b.timings, Timing{
				Label: b.labels[(p*queriesPerPool+i)/2],
				Time:  time.Duration(float64(ticks) * period),
			})
		}
	}
	return nil
}

// Timings returns the per-dispatch GPU times of the last submission when
// the device profiles (Options.Profile), in recording order. Dispatches
// that no barrier separates may overlap on the GPU.
func (b *Batch) Timings() []Timing { return b.timings }
