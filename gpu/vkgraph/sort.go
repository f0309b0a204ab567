package vkgraph

import (
	"fmt"
	"math/bits"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// The sort kernels (shaders/sort.glsl) run over runs of planes: one
// initialising pass, then the steps of a bitonic sorting network over the
// next power of two P ≥ n, log2(P)·(log2(P)+1)/2 dispatches in all (136
// at 256², each of C·P/2 compare-exchanges), then for the backward one
// scatter. Sorting in place in y keeps the memory at y and perm.

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
	xo, yo, po := operand{x: unwrap(x), plane: n}, operand{x: unwrap(y), plane: n}, operand{x: unwrap(perm), plane: n}
	init := b.kernel(kSortInit, gpu.KernelSpec{Bindings: 3, Outputs: 2, PushSize: 32})
	for _, r := range b.planeRuns(s.N*s.C, 0, xo, yo, po) {
		b.dispatchN(init, r.count*n, sortWords(n, r.count, 0, 0, 0, r.offs), r.binds...)
	}
	if n < 2 {
		return
	}
	pow := 1 << bits.Len(uint(n-1)) // the next power of two ≥ n
	step := b.kernel(kSortStep, gpu.KernelSpec{Bindings: 2, Outputs: 2, PushSize: 32})
	runs := b.planeRuns(s.N*s.C, 0, yo, po)
	for k := 2; k <= pow; k *= 2 {
		for j := k / 2; j >= 1; j /= 2 {
			for _, r := range runs {
				b.dispatchN(step, r.count*pow/2, sortWords(n, r.count, pow/2, k, j, r.offs), r.binds...)
			}
		}
	}
}

// SortBackward accumulates dx[perm[i]] += dy[i] within each plane
// (shaders/sort_bwd.comp).
func (b *Backend) SortBackward(perm, dy, dx graph.Buffer, s graph.Shape) {
	n := s.H * s.W
	for name, buf := range map[string]graph.Buffer{"perm": perm, "dy": dy, "dx": dx} {
		graph.CheckLen("SortBackward", name, buf, s.Len())
	}
	k := b.kernel(kSortBwd, gpu.KernelSpec{Bindings: 3, PushSize: 32})
	ops := []operand{{x: unwrap(perm), plane: n}, {x: unwrap(dy), plane: n}, {x: unwrap(dx), plane: n}}
	for _, r := range b.planeRuns(s.N*s.C, 0, ops...) {
		b.dispatchN(k, r.count*n, sortWords(n, r.count, 0, 0, 0, r.offs), r.binds...)
	}
}

// GatherForward sets y[p, i] = x[p, idx[i]] (shaders/gather.comp), idx
// bound whole.
func (b *Backend) GatherForward(x, idx, y graph.Buffer, s, out graph.Shape) {
	in, n := s.H*s.W, out.H*out.W
	graph.CheckLen("GatherForward", "x", x, s.Len())
	graph.CheckLen("GatherForward", "idx", idx, n)
	graph.CheckLen("GatherForward", "y", y, out.Len())
	k := b.kernel(kGather, gpu.KernelSpec{Bindings: 3, PushSize: 32})
	ib := b.input(unwrap(idx), true)
	for _, r := range b.planeRuns(s.N*s.C, 0, operand{x: unwrap(x), plane: in}, operand{x: unwrap(y), plane: n}) {
		offs := []uint32{r.offs[0], 0, r.offs[1]}
		b.dispatchN(k, r.count*n, sortWords(n, r.count, in, 0, 0, offs), r.binds[0], ib, r.binds[1])
	}
}
