package vkoptim

import (
	"encoding/binary"
	"math"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/optim"
	"github.com/vkstyle/vkstyle/shaders"
)

// Adam records one fused Adam update (shaders/adam.comp), element-wise in
// float32 with the scalars of p rounded to float32 and the operation order
// of optim.Float32Space.Adam, each operation rounded. On lavapipe the result
// is bit-identical to Float32Space; Vulkan allows sqrt and division a few
// ulp of error, which other devices may use. x, g, m and v must be four
// distinct vectors of one length; g is not modified.
func (sp *Space) Adam(x, g, m, v optim.Vector, p optim.AdamParams) {
	defer sp.st.Batch().WithLabel("optimiser")()
	xs, gs, ms, vs := vec(x, "Adam"), vec(g, "Adam"), vec(m, "Adam"), vec(v, "Adam")
	sameLen("Adam", xs.n, gs.n)
	sameLen("Adam", xs.n, ms.n)
	sameLen("Adam", xs.n, vs.n)
	bufs := []*gpu.Buffer{gs.buf, ms.buf, vs.buf, xs.buf} // binding order
	for i := range bufs {
		for j := i + 1; j < len(bufs); j++ {
			if bufs[i] == bufs[j] {
				panic("vkoptim: Space.Adam: x, g, m and v must be distinct vectors")
			}
		}
	}
	n := xs.n
	if n == 0 {
		return
	}
	k, err := sp.adamKernel()
	if err != nil {
		sp.fail("Adam", err)
		return
	}
	push := make([]byte, 36)
	words := []uint32{
		0, // n, per dispatch
		math.Float32bits(float32(p.Beta1)),
		math.Float32bits(float32(p.Beta2)),
		math.Float32bits(float32(1 - p.Beta1)),
		math.Float32bits(float32(1 - p.Beta2)),
		math.Float32bits(float32(p.WeightDecay)),
		math.Float32bits(float32(p.Eps)),
		math.Float32bits(float32(p.BiasCorrection2Sqrt)),
		math.Float32bits(float32(-p.StepSize)),
	}
	for i, w := range words {
		binary.LittleEndian.PutUint32(push[4*i:], w)
	}
	batch := sp.st.Batch()
	chunk := sp.dev.ChunkElems(uint64(k.LocalSize()))
	binds := make([]gpu.Binding, len(bufs))
	for start := uint64(0); start < uint64(n); start += chunk {
		c := min(chunk, uint64(n)-start)
		for i, b := range bufs {
			binds[i] = b.Range(start*4, c*4)
		}
		binary.LittleEndian.PutUint32(push, uint32(c))
		if err := batch.Dispatch1D(k, c, push, binds...); err != nil {
			sp.fail("Adam", err)
			return
		}
	}
}

func (sp *Space) adamKernel() (*gpu.Kernel, error) {
	if sp.adam != nil {
		return sp.adam, nil
	}
	code, err := shaders.Code("adam")
	if err != nil {
		return nil, err
	}
	k, err := sp.dev.Kernel(gpu.KernelSpec{Name: "adam", Code: code, Bindings: 4, Outputs: 3, PushSize: 36})
	if err != nil {
		return nil, err
	}
	sp.adam = k
	return k, nil
}
