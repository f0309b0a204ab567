package vkgraph

import (
	"fmt"
	"math/bits"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// The sort kernels (shaders/sort.glsl) run over runs of planes, as a
// bitonic sorting network over the next power of two P ≥ n: first every
// block of sortBlock elements is sorted in shared memory (sort_local,
// which also copies x into y and numbers perm); then each merge of size
// k > sortBlock runs its steps of distance j ≥ sortBlock one dispatch
// each over the whole planes (sort_step), and the rest in shared memory
// (sort_merge). At 256×256, P = 2^16: 28 dispatches instead of the
// network's 136 steps. The texel family does the same with blocks of
// sortRegBlock held by one invocation (sort_reg, sort_regmerge): 51
// dispatches at 2^16, and no barriers, which lavapipe pays for dearly
// (at 256² with the embedded network a sliced Wasserstein evaluation
// sorted in 8.8 s with shared memory, 6.6 s with every step a dispatch
// and 4.5–6.2 s with blocks of 16 to 64 in registers; see
// docs/BENCHMARKS.md). Sorting in place in y keeps the memory at y and
// perm.

// sortBlock and sortRegBlock are SORT_BLOCK and SORT_REG of
// shaders/sort.glsl.
const (
	sortBlock    = 1024
	sortRegBlock = 32
)

// sortWords are a sort kernel's push constants.
func sortWords(n, count, pairs, k, j int, offs []uint32) []uint32 {
	w := []uint32{uint32(n), uint32(count), uint32(pairs), uint32(k), uint32(j), 0, 0, 0}
	copy(w[5:], offs)
	return w
}

// SortForward sorts each plane of x into y by (value, index) and keeps
// the indices in perm (shaders/sort_init.comp, sort_step.comp).
func (b *Backend) SortForward(x, y, perm graph.Buffer, s graph.Shape) {
	n := s.H * s.W
	for name, buf := range map[string]graph.Buffer{"x": x, "y": y, "perm": perm} {
		graph.CheckLen("SortForward", name, buf, s.Len())
	}
	if n > graph.MaxSortPlane {
		b.s.Fail(fmt.Errorf("vkgraph: SortForward: planes of %d elements, over %d", n, graph.MaxSortPlane))
		return
	}
	defer b.s.Batch().WithLabel("sort")()
	xo, yo, po := operand{x: unwrap(x), plane: n}, operand{x: unwrap(y), plane: n}, operand{x: unwrap(perm), plane: n}
	pow := 1 << bits.Len(uint(max(n, 1)-1)) // the next power of two ≥ n
	// The shared family sorts blocks in shared memory, a work group to a
	// block; the texel family (CPU drivers) in each invocation's arrays.
	block, local, merge := sortRegBlock, kSortReg, kSortRegMerge
	if b.Family() == FamilyShared {
		block, local, merge = sortBlock, kSortLocal, kSortMerge
	}
	blocks := max(pow/block, 1)
	lk := b.kernel(local, gpu.KernelSpec{Bindings: 3, Outputs: 2, PushSize: 32})
	mk := b.kernel(merge, gpu.KernelSpec{Bindings: 2, Outputs: 2, PushSize: 32})
	dispatch := func(k *gpu.Kernel, blocks int, words []uint32, binds ...gpu.Binding) {
		if block == sortBlock {
			b.dispatchGroups(k, blocks, words, binds...)
		} else {
			b.dispatchN(k, blocks, words, binds...)
		}
	}
	for _, r := range b.planeRuns(s.N*s.C, 0, xo, yo, po) {
		dispatch(lk, r.count*blocks, sortWords(n, r.count, blocks, 0, 0, r.offs), r.binds...)
	}
	if pow <= block {
		return
	}
	step := b.kernel(kSortStep, gpu.KernelSpec{Bindings: 2, Outputs: 2, PushSize: 32})
	runs := b.planeRuns(s.N*s.C, 0, yo, po)
	for k := 2 * block; k <= pow; k *= 2 {
		for j := k / 2; j >= block; j /= 2 {
			for _, r := range runs {
				b.dispatchN(step, r.count*pow/2, sortWords(n, r.count, pow/2, k, j, r.offs), r.binds...)
			}
		}
		for _, r := range runs {
			dispatch(mk, r.count*blocks, sortWords(n, r.count, blocks, k, 0, r.offs), r.binds...)
		}
	}
}

// dispatchGroups records k over groups work groups (the shader numbers
// them with flat_group and skips any past groups).
func (b *Backend) dispatchGroups(k *gpu.Kernel, groups int, words []uint32, binds ...gpu.Binding) {
	if k == nil {
		return
	}
	b.dispatchN(k, groups*int(k.LocalSize()), words, binds...)
}

// SortBackward accumulates dx[perm[i]] += dy[i] within each plane
// (shaders/sort_bwd.comp).
func (b *Backend) SortBackward(perm, dy, dx graph.Buffer, s graph.Shape) {
	n := s.H * s.W
	for name, buf := range map[string]graph.Buffer{"perm": perm, "dy": dy, "dx": dx} {
		graph.CheckLen("SortBackward", name, buf, s.Len())
	}
	defer b.s.Batch().WithLabel("sort")()
	k := b.kernel(kSortBwd, gpu.KernelSpec{Bindings: 3, PushSize: 32})
	ops := []operand{{x: unwrap(perm), plane: n}, {x: unwrap(dy), plane: n}, {x: unwrap(dx), plane: n}}
	for _, r := range b.planeRuns(s.N*s.C, 0, ops...) {
		b.dispatchN(k, r.count*n, sortWords(n, r.count, 0, 0, 0, r.offs), r.binds...)
	}
}

// gather records a gather kernel (shaders/sort.glsl) over runs of the
// planes: the source planes of src elements, the destination planes of
// dst, idx (one plane's indices) bound whole. The shader indexes the plane
// of in elements with idx, whichever side it is on.
func (b *Backend) gather(name kernelName, src, idx, dst graph.Buffer, srcPlane, dstPlane, n, in, planes int) {
	k := b.kernel(name, gpu.KernelSpec{Bindings: 3, PushSize: 32})
	ib := b.input(unwrap(idx), true)
	for _, r := range b.planeRuns(planes, 0, operand{x: unwrap(src), plane: srcPlane}, operand{x: unwrap(dst), plane: dstPlane}) {
		offs := []uint32{r.offs[0], 0, r.offs[1]}
		b.dispatchN(k, r.count*n, sortWords(n, r.count, in, 0, 0, offs), r.binds[0], ib, r.binds[1])
	}
}

// GatherForward sets y[p, i] = x[p, idx[i]] (shaders/gather.comp).
func (b *Backend) GatherForward(x, idx, y graph.Buffer, s, out graph.Shape) {
	in, n := s.H*s.W, out.H*out.W
	graph.CheckLen("GatherForward", "x", x, s.Len())
	graph.CheckLen("GatherForward", "idx", idx, n)
	graph.CheckLen("GatherForward", "y", y, out.Len())
	b.gather(kGather, x, idx, y, in, n, n, in, s.N*s.C)
}

// GatherBackward accumulates dx[p, idx[i]] += dy[p, i]
// (shaders/gather_bwd.comp); the indices are distinct, so no two
// invocations write one element.
func (b *Backend) GatherBackward(idx, dy, dx graph.Buffer, s, out graph.Shape) {
	in, n := s.H*s.W, out.H*out.W
	graph.CheckLen("GatherBackward", "idx", idx, n)
	graph.CheckLen("GatherBackward", "dy", dy, out.Len())
	graph.CheckLen("GatherBackward", "dx", dx, s.Len())
	b.gather(kGatherBwd, dy, idx, dx, n, in, n, in, s.N*s.C)
}
