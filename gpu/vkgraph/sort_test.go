package vkgraph_test

import (
	"math"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/vkgraph"
	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
)

// Planes longer than the shared-memory block (1024) take every path of
// the device sort: the local sort, the whole-plane steps and the merges in
// shared memory; lengths a power of two and not, a plane shorter than one
// block beside longer ones, and many ties; in both kernel families (shared
// memory, and blocks in each invocation's registers). The sorted values and the
// permutation equal the CPU reference's exactly, and so does the
// backward's scatter.
func TestSortLongPlanes(t *testing.T) {
	for _, f := range []vkgraph.Family{vkgraph.FamilyTexel, vkgraph.FamilyShared} {
		t.Run(f.String(), func(t *testing.T) { sortLongPlanes(t, newBackendKernels(t, gpu.Options{}, f)) })
	}
}

func sortLongPlanes(t *testing.T, b *vkgraph.Backend) {
	ref := cpu.New()
	randn := normals(5, 6)
	for _, s := range []graph.Shape{
		graph.NCHW(1, 3, 50, 70), graph.NCHW(2, 2, 1, 5000), graph.NCHW(1, 2, 64, 64),
		graph.NCHW(1, 1, 1, 1025), graph.NCHW(1, 4, 1, 2048+3),
	} {
		for _, ties := range []bool{false, true} {
			x := randn(s.Len())
			if ties {
				for i := range x {
					x[i] = float32(math.Round(float64(x[i]) * 3))
				}
			}
			dy, dx := randn(s.Len()), randn(s.Len())
			outs := func(be graph.Backend) [3][]float32 {
				up := func(v []float32) graph.Buffer {
					buf, err := be.Alloc(len(v), "t")
					if err != nil {
						t.Fatal(err)
					}
					if err := be.Upload(buf, v); err != nil {
						t.Fatal(err)
					}
					return buf
				}
				xb, yb, pb, dyb, dxb := up(x), up(dx), up(dx), up(dy), up(dx)
				be.SortForward(xb, yb, pb, s)
				be.SortBackward(pb, dyb, dxb, s)
				var res [3][]float32
				for i, buf := range []graph.Buffer{yb, pb, dxb} {
					res[i] = make([]float32, s.Len())
					if err := be.Download(buf, res[i]); err != nil {
						t.Fatal(err)
					}
				}
				for _, buf := range []graph.Buffer{xb, yb, pb, dyb, dxb} {
					be.Free(buf)
				}
				return res
			}
			got, want := outs(b), outs(ref)
			for i, name := range []string{"y", "perm", "dx"} {
				for j := range want[i] {
					if got[i][j] != want[i][j] {
						t.Errorf("%v ties %v: %s[%d] = %v, reference %v", s, ties, name, j, got[i][j], want[i][j])
						break
					}
				}
			}
		}
	}
}
