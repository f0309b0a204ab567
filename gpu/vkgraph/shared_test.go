package vkgraph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/vkgraph"
	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
	"github.com/vkstyle/vkstyle/graph/graphtest"
)

// newBackendKernels is newBackend running the kernel family k. Where the
// device (or $VKSTYLE_LIMITS=minimum) is too small for the shared-memory
// family the test is skipped: TestMinimumLimits checks that asking for it
// there is a clear error, and that auto falls back.
func newBackendKernels(t testing.TB, opts gpu.Options, k vkgraph.Family) *vkgraph.Backend {
	t.Helper()
	b := newBackend(t, opts)
	if info := b.Stream().Device().Info; k == vkgraph.FamilyShared && vkgraph.CanShare(&info) != nil {
		t.Skipf("%s (limits %s) cannot run the shared-memory kernels", info.Name, info.Limits)
	}
	if err := b.SetFamily(k); err != nil {
		t.Fatal(err)
	}
	if b.Family() != k {
		t.Fatalf("Family() = %v after SetFamily(%v)", b.Family(), k)
	}
	return b
}

// The conformance suite, the goldens and the split suite with the
// shared-memory kernels, which lavapipe runs too (slowly: it is the family
// for GPUs).
func TestBackendShared(t *testing.T) {
	graphtest.TestBackend(t, newBackendKernels(t, gpu.Options{}, vkgraph.FamilyShared))
}

func TestGoldensShared(t *testing.T) {
	graphtest.TestGoldens(t, newBackendKernels(t, gpu.Options{}, vkgraph.FamilyShared))
}

func TestBackendSharedSplit(t *testing.T) {
	graphtest.TestBackend(t, newBackendKernels(t, gpu.Options{MaxBindingRange: splitBinding}, vkgraph.FamilyShared))
}

// tileCases are convolutions and Gram matrices whose channels, pixels and
// reductions cross the 64×64 tiles and 16-deep slices of the shared-memory
// kernels, with tails on every side; the suite's shapes fit one tile.
func tileCases() []opCase {
	randn := normals(7, 11)
	var cs []opCase
	convs := []graph.Conv2DParams{
		{N: 1, CIn: 9, H: 13, W: 11, COut: 70, KH: 3, KW: 3, Stride: 1, Pad: 1},
		{N: 2, CIn: 5, H: 12, W: 13, COut: 66, KH: 3, KW: 3, Stride: 2, Pad: 1, Reflect: true},
		{N: 1, CIn: 67, H: 9, W: 10, COut: 3, KH: 1, KW: 1, Stride: 1, Pad: 0},
		{N: 1, CIn: 4, H: 17, W: 9, COut: 129, KH: 5, KW: 3, Stride: 1, Pad: 2},
	}
	for _, p := range convs {
		cs = append(cs, convCase(randn, p))
	}
	for _, s := range []graph.Shape{graph.NCHW(1, 70, 9, 11), graph.NCHW(2, 130, 5, 8), graph.NCHW(1, 65, 1, 1), graph.NCHW(1, 100, 20, 20)} {
		cs = append(cs, gramCase(randn, s))
	}
	return cs
}

// convCase is a convolution's forward and three backward passes on p with
// random operands from randn.
func convCase(randn func(int) []float32, p graph.Conv2DParams) opCase {
	xn, wn, yn := p.XShape().Len(), p.WShape().Len(), p.YShape().Len()
	name := fmt.Sprintf("Conv2D/%d→%d/%dx%d/k%dx%d/s%d/p%d/reflect=%v/n%d", p.CIn, p.COut, p.H, p.W, p.KH, p.KW, p.Stride, p.Pad, p.Reflect, p.N)
	return opCase{name, graphtest.TolConv, true,
		[][]float32{randn(xn), randn(wn), randn(p.COut), randn(yn)},
		[][]float32{randn(yn), randn(xn), randn(wn), randn(p.COut)}, []string{"y", "dx", "dw", "db"},
		func(b graph.Backend, in, out []graph.Buffer) {
			b.Conv2DForward(in[0], in[1], in[2], out[0], p)
			b.Conv2DBackwardData(in[3], in[1], out[1], p)
			b.Conv2DBackwardWeight(in[0], in[3], out[2], p)
			b.Conv2DBackwardBias(in[3], out[3], p)
		}}
}

// gramCase is a Gram matrix's forward and backward on features of shape s.
func gramCase(randn func(int) []float32, s graph.Shape) opCase {
	n, nm := s.Len(), s.N*s.C*s.C
	return opCase{"Gram/" + s.String(), graphtest.TolReduce, true,
		[][]float32{randn(n), randn(nm)}, [][]float32{randn(nm), randn(n)}, []string{"g", "dx"},
		func(b graph.Backend, in, out []graph.Buffer) {
			b.GramForward(in[0], out[0], s)
			b.GramBackward(in[0], in[1], out[1], s)
		}}
}

// TestSharedTiles checks the shared-memory kernels on shapes that cross
// their tiles against the reference: unsplit; with bindings of
// splitBinding bytes (runs of channels that end inside a tile); with
// bindings of 64 KiB, where a 100-channel Gram matrix fits one binding but
// its features take three runs of rows (the mirrored forward across runs).
// On a CPU device
// it also checks them against the register-tiled kernels, which sum in the
// same order: same bits where the case says so (a GPU driver may fuse
// multiply-adds differently in the two families).
func TestSharedTiles(t *testing.T) {
	ref := cpu.New()
	texel := newBackendKernels(t, gpu.Options{}, vkgraph.FamilyTexel)
	shared := newBackendKernels(t, gpu.Options{}, vkgraph.FamilyShared)
	split := newBackendKernels(t, gpu.Options{MaxBindingRange: splitBinding}, vkgraph.FamilyShared)
	runs := newBackendKernels(t, gpu.Options{MaxBindingRange: 64 << 10}, vkgraph.FamilyShared)
	bitwise := texel.Stream().Device().Info.Type == gpu.CPU
	for _, c := range tileCases() {
		t.Run(c.name, func(t *testing.T) {
			want := run(t, ref, c)
			got, tx := run(t, shared, c), run(t, texel, c)
			others := map[string][][]float32{"split": run(t, split, c), "64 KiB runs": run(t, runs, c)}
			for i := range want {
				graphtest.Compare(t, c.outs[i], got[i], want[i], c.tol)
				for name, o := range others {
					graphtest.Compare(t, c.outs[i]+" "+name, o[i], want[i], c.tol)
				}
				if c.bitwise && bitwise {
					if j := firstDiff(got[i], tx[i]); j >= 0 {
						t.Errorf("%s: shared and texel kernels differ at [%d]: %g vs %g", c.outs[i], j, got[i][j], tx[i][j])
					}
				}
			}
		})
	}
}

// TestSharedFolded runs the shared-memory kernels on a device that takes
// at most 2 work groups in x, so that their grids fold into z: the
// convolutions of tileCases, a Gram forward of 6 tiles and a Gram
// backward over 7 column blocks (with few channels: the Gram backward's
// gram_sym step does not fold).
func TestSharedFolded(t *testing.T) {
	ref := cpu.New()
	b := newBackendKernels(t, gpu.Options{}, vkgraph.FamilyShared)
	b.LimitGroupCount(2)
	randn := normals(13, 17)
	fwd, full := graph.NCHW(1, 130, 5, 8), graph.NCHW(1, 16, 20, 20)
	cases := []opCase{
		{"GramForward/" + fwd.String(), graphtest.TolReduce, false, [][]float32{randn(fwd.Len())}, [][]float32{randn(130 * 130)}, []string{"g"},
			func(b graph.Backend, in, out []graph.Buffer) { b.GramForward(in[0], out[0], fwd) }},
		{"Gram/" + full.String(), graphtest.TolReduce, false, [][]float32{randn(full.Len()), randn(16 * 16)}, [][]float32{randn(16 * 16), randn(full.Len())}, []string{"g", "dx"},
			func(b graph.Backend, in, out []graph.Buffer) {
				b.GramForward(in[0], out[0], full)
				b.GramBackward(in[0], in[1], out[1], full)
			}},
	}
	for _, c := range tileCases() {
		if strings.HasPrefix(c.name, "Conv2D/") {
			cases = append(cases, c)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, got := run(t, ref, c), run(t, b, c)
			for i := range want {
				graphtest.Compare(t, c.outs[i], got[i], want[i], c.tol)
			}
		})
	}
}

// TestKernelsChoice checks the family names and the automatic choice:
// lavapipe is a CPU device and gets the texel kernels.
func TestKernelsChoice(t *testing.T) {
	for _, s := range []string{"auto", "texel", "shared", "SHARED"} {
		if _, err := vkgraph.ParseFamily(s); err != nil {
			t.Errorf("ParseFamily(%q): %v", s, err)
		}
	}
	if _, err := vkgraph.ParseFamily("fast"); err == nil {
		t.Error("ParseFamily(fast) = nil error")
	}
	t.Setenv(vkgraph.FamilyEnv, "")
	b := newBackend(t, gpu.Options{})
	if err := b.SetFamily(vkgraph.FamilyAuto); err != nil {
		t.Fatal(err)
	}
	info := &b.Stream().Device().Info
	want := vkgraph.FamilyShared
	if info.Type == gpu.CPU || info.Type == gpu.Other || vkgraph.CanShare(info) != nil {
		want = vkgraph.FamilyTexel
	}
	if b.Family() != want {
		t.Errorf("auto on %s = %v, want %v", b.Stream().Device().Info.Name, b.Family(), want)
	}
	t.Setenv(vkgraph.FamilyEnv, "shared")
	if vkgraph.CanShare(info) != nil { // too small a device: a clear error (TestMinimumLimits)
		if _, err := vkgraph.New(b.Stream().Device(), nil); err == nil {
			t.Errorf("%s=shared on a device that cannot run it: New gave no error", vkgraph.FamilyEnv)
		}
	} else if b2 := newBackend(t, gpu.Options{}); b2.Family() != vkgraph.FamilyShared {
		t.Errorf("%s=shared gave %v", vkgraph.FamilyEnv, b2.Family())
	}
	t.Setenv(vkgraph.FamilyEnv, "fast")
	if _, err := vkgraph.New(b.Stream().Device(), nil); err == nil {
		t.Errorf("%s=fast: New gave no error", vkgraph.FamilyEnv)
	}
}

// TestGramSliced checks the shared-memory Gram forward that cuts long sums
// into slices (few channels, large maps), on its own and with folded
// grids, against the reference.
func TestGramSliced(t *testing.T) {
	ref := cpu.New()
	b := newBackendKernels(t, gpu.Options{}, vkgraph.FamilyShared)
	folded := newBackendKernels(t, gpu.Options{}, vkgraph.FamilyShared)
	folded.LimitGroupCount(2)
	randn := normals(19, 23)
	for _, s := range []graph.Shape{graph.NCHW(1, 20, 48, 48), graph.NCHW(2, 70, 64, 64)} {
		if vkgraph.GramSlices(s.C, s.H*s.W) < 2 {
			t.Fatalf("%v is not cut into slices", s)
		}
		c := opCase{"GramForward/" + s.String(), graphtest.TolReduce, false, [][]float32{randn(s.Len())}, [][]float32{randn(s.N * s.C * s.C)}, []string{"g"},
			func(b graph.Backend, in, out []graph.Buffer) { b.GramForward(in[0], out[0], s) }}
		t.Run(c.name, func(t *testing.T) {
			want := run(t, ref, c)
			graphtest.Compare(t, "g", run(t, b, c)[0], want[0], c.tol)
			graphtest.Compare(t, "g folded", run(t, folded, c)[0], want[0], c.tol)
		})
	}
	for _, c := range []struct{ c, hw, want int }{{64, 512 * 512, 128}, {64, 1000, 1}, {512, 64 * 64, 4}, {512, 1024, 1}, {1024, 1 << 20, 1}} {
		if got := vkgraph.GramSlices(c.c, c.hw); got != c.want {
			t.Errorf("GramSlices(%d, %d) = %d, want %d", c.c, c.hw, got, c.want)
		}
	}
}
