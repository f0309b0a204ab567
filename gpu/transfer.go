package gpu

import (
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// stagingSize is the size of the host-visible buffer that uploads and
// downloads to device-local memory pass through, chunk by chunk.
const stagingSize = 16 << 20

// transfer is the device's staging buffer with a command buffer and fence of
// its own, created on first use.
type transfer struct {
	dev   *Device
	stage *Buffer
	cmd   vk.CommandBuffer
	fence vk.Fence
}

func (d *Device) transferer() (*transfer, error) {
	if d.transfer != nil {
		return d.transfer, nil
	}
	t := &transfer{dev: d}
	var err error
	if t.stage, err = d.newBuffer("staging", stagingSize, vk.BufferUsageTransferSrcBit|vk.BufferUsageTransferDstBit, false, true); err != nil {
		return nil, err
	}
	d.untrack(t.stage) // owned by the device, closed with it
	if t.cmd, err = d.newCommandBuffer(d.cmdPool); err != nil {
		t.close()
		return nil, err
	}
	if t.fence, err = d.newFence(); err != nil {
		t.close()
		return nil, err
	}
	d.transfer = t
	return t, nil
}

// staged copies between host memory and a device-local buffer through the
// staging buffer: up when toDevice, else down.
func (d *Device) staged(b *Buffer, off uint64, host []byte, toDevice bool) error {
	defer holdGC()() // see gcfence.go
	t, err := d.transferer()
	if err != nil {
		return err
	}
	stage := unsafe.Slice((*byte)(t.stage.mem.ptr()), stagingSize)
	for done := uint64(0); done < uint64(len(host)); {
		n := uint64(len(host)) - done
		if n > stagingSize {
			n = stagingSize
		}
		if toDevice {
			copy(stage, host[done:done+n])
		}
		src, dst := t.stage, b
		var srcOff, dstOff uint64
		if toDevice {
			dstOff = off + done
		} else {
			srcOff = off + done
			src, dst = b, t.stage
		}
		err := d.runOnce(t.cmd, t.fence, func(cmd vk.CommandBuffer) {
			d.fullBarrier(cmd)
			d.cmdCopy(cmd, dst, dstOff, src, srcOff, n)
			d.hostBarrier(cmd)
		})
		if err != nil {
			return err
		}
		if !toDevice {
			copy(host[done:done+n], stage)
		}
		done += n
	}
	return nil
}

func (t *transfer) close() {
	d := t.dev
	if t.fence != nil {
		vk.DestroyFence(d.h, t.fence, nil)
		t.fence = nil
	}
	if t.cmd != nil {
		vk.FreeCommandBuffers(d.h, d.cmdPool, 1, []vk.CommandBuffer{t.cmd})
		t.cmd = nil
	}
	if t.stage != nil {
		t.stage.Close()
		t.stage = nil
	}
}
