package vkgraph_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/gputest"
	"github.com/vkstyle/vkstyle/gpu/vkgraph"
	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
	"github.com/vkstyle/vkstyle/graph/graphtest"
)

// newBackend opens a device with opts and a backend on it, both closed when
// the test ends (the backend first: cleanups run last in, first out).
func newBackend(t testing.TB, opts gpu.Options) *vkgraph.Backend {
	t.Helper()
	dev := gputest.Open(t, opts)
	b, err := vkgraph.New(dev, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	return b
}

// TestBackend runs the conformance suite: every kernel against the CPU
// reference on awkward shapes, the kinks, and a whole graph.
func TestBackend(t *testing.T) {
	graphtest.TestBackend(t, newBackend(t, gpu.Options{}))
}

// TestGoldens compares with PyTorch's results.
func TestGoldens(t *testing.T) {
	graphtest.TestGoldens(t, newBackend(t, gpu.Options{}))
}

// splitBinding is the binding range of the split tests: 4 KiB, 1024
// float32, smaller than most tensors of the suite's shapes (a 33×17 plane
// is 2244 bytes), so outputs and inputs are cut into runs of a plane or
// two, and flat ranges into chunks; plus 256 bytes, the largest offset
// alignment a device may require (SwiftShader's, and the Vulkan minimum's),
// which a binding may have to start before its first plane.
const splitBinding = 4096 + 256

// TestBackendSplit runs the conformance suite on a device whose bindings
// cover only splitBinding bytes.
func TestBackendSplit(t *testing.T) {
	graphtest.TestBackend(t, newBackend(t, gpu.Options{MaxBindingRange: splitBinding}))
}

// TestSplit runs the non-convolution kernels on a device whose bindings
// cover only splitBinding bytes, on the suite's shapes and larger ones,
// and checks them against the reference under the suite's tolerances and,
// for the kernels that promise it, bit for bit against a device without
// the limit: they cut work at boundaries that do not change the order of
// any sum. MSE does not (its groups shrink to fit a binding this small)
// nor Gram's backward (it adds runs of channels into dx one by one), nor
// AbsSum (the gpu reduction's groups shrink too).
func TestSplit(t *testing.T) {
	small := newBackend(t, gpu.Options{MaxBindingRange: splitBinding})
	whole := newBackend(t, gpu.Options{})
	ref := cpu.New()
	for _, c := range opCases() {
		t.Run(c.name, func(t *testing.T) {
			want := run(t, ref, c)
			got := run(t, small, c)
			unsplit := run(t, whole, c)
			for i := range want {
				graphtest.Compare(t, c.outs[i], got[i], want[i], c.tol)
				if c.bitwise {
					if j := firstDiff(got[i], unsplit[i]); j >= 0 {
						t.Errorf("%s: split and unsplit differ at [%d]: %g vs %g", c.outs[i], j, got[i][j], unsplit[i][j])
					}
				}
			}
		})
	}
}

// TestDeterministic runs every case twice on one backend and requires the
// same bits.
func TestDeterministic(t *testing.T) {
	b := newBackend(t, gpu.Options{})
	for _, c := range opCases() {
		first, second := run(t, b, c), run(t, b, c)
		for i := range first {
			if j := firstDiff(first[i], second[i]); j >= 0 {
				t.Errorf("%s %s: runs differ at [%d]: %g vs %g", c.name, c.outs[i], j, first[i][j], second[i][j])
			}
		}
	}
}

func firstDiff(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// opCase is one call of the non-convolution kernels: inputs, outputs with
// their initial contents (forward kernels overwrite them, backward kernels
// add to them), and the kernels to run.
type opCase struct {
	name    string
	tol     graphtest.Tol
	bitwise bool // split and unsplit give the same bits
	in, out [][]float32
	outs    []string
	run     func(b graph.Backend, in, out []graph.Buffer)
}

// run executes c on b and returns its outputs.
func run(t testing.TB, b graph.Backend, c opCase) [][]float32 {
	t.Helper()
	var bufs []graph.Buffer
	defer func() {
		for _, x := range bufs {
			b.Free(x)
		}
	}()
	load := func(vals [][]float32) []graph.Buffer {
		var out []graph.Buffer
		for _, v := range vals {
			x, err := b.Alloc(len(v), c.name)
			if err != nil {
				t.Fatal(err)
			}
			bufs = append(bufs, x)
			if err := b.Upload(x, v); err != nil {
				t.Fatal(err)
			}
			out = append(out, x)
		}
		return out
	}
	in, out := load(c.in), load(c.out)
	c.run(b, in, out)
	res := make([][]float32, len(out))
	for i, x := range out {
		res[i] = make([]float32, x.Len())
		if err := b.Download(x, res[i]); err != nil {
			t.Fatalf("%s: Download %s: %v", c.name, c.outs[i], err)
		}
	}
	return res
}

// normals returns a source of standard normal vectors, seeded.
func normals(seed1, seed2 uint64) func(n int) []float32 {
	rng := rand.New(rand.NewPCG(seed1, seed2))
	return func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
}

// opCases covers every non-convolution kernel on the suite's shapes, plus
// shapes whose tensors pass several bindings of splitBinding.
func opCases() []opCase {
	randn := normals(3, 5)
	var cs []opCase
	shapes := slices.Concat(graphtest.Shapes, []graph.Shape{graph.NCHW(2, 5, 20, 24), graph.NCHW(1, 7, 30, 31), graph.NCHW(1, 9, 8, 8), graph.NCHW(1, 19, 3, 4), graph.NCHW(2, 33, 4, 4)})
	for _, s := range shapes {
		n, nc, nm := s.Len(), s.N*s.C, s.N*s.C*s.C
		cs = append(cs,
			opCase{"ReLU/" + s.String(), graphtest.TolExact, true, [][]float32{randn(n), randn(n)}, [][]float32{randn(n), randn(n)},
				[]string{"y", "dx"}, func(b graph.Backend, in, out []graph.Buffer) {
					b.ReLUForward(in[0], out[0])
					b.ReLUBackward(out[0], in[1], out[1])
				}},
			opCase{"Gram/" + s.String(), graphtest.TolReduce, false, [][]float32{randn(n), randn(nm)}, [][]float32{randn(nm), randn(n)},
				[]string{"g", "dx"}, func(b graph.Backend, in, out []graph.Buffer) {
					b.GramForward(in[0], out[0], s)
					b.GramBackward(in[0], in[1], out[1], s)
				}},
			opCase{"MSE/" + s.String(), graphtest.TolReduce, false, [][]float32{randn(n), randn(n), randn(1)}, [][]float32{randn(1), randn(n)},
				[]string{"loss", "dx"}, func(b graph.Backend, in, out []graph.Buffer) {
					b.MSEForward(in[0], in[1], out[0])
					b.MSEBackward(in[0], in[1], in[2], out[1])
				}},
			opCase{"TV/" + s.String(), graphtest.TolReduce, true, [][]float32{randn(n), randn(1)}, [][]float32{randn(1), randn(n)},
				[]string{"loss", "dx"}, func(b graph.Backend, in, out []graph.Buffer) {
					b.TVForward(in[0], out[0], s)
					b.TVBackward(in[0], in[1], out[1], s)
				}})
		g := randn(n)
		var l1 float64
		for _, v := range g {
			l1 += math.Abs(float64(v))
		}
		w := 0.75 * float32(n)
		cs = append(cs,
			opCase{"AbsSum/" + s.String(), graphtest.TolReduce, false, [][]float32{g}, [][]float32{randn(1)},
				[]string{"norm"}, func(b graph.Backend, in, out []graph.Buffer) { b.AbsSum(in[0], out[0]) }},
			opCase{"AxpyNormalized/" + s.String(), graphtest.TolNormalize, true, [][]float32{g, {float32(l1)}}, [][]float32{randn(n)},
				[]string{"dx"}, func(b graph.Backend, in, out []graph.Buffer) { b.AxpyNormalized(in[0], in[1], out[0], w, 0.5) }})
		p := graph.StatsParams{N: s.N, C: s.C, H: s.H, W: s.W, Eps: 1e-5}
		x := randn(n)
		for i := range x {
			x[i] = 2*x[i] + float32(i/(s.H*s.W))
		}
		cs = append(cs, opCase{"ChannelMeanStd/" + s.String(), graphtest.TolReduce, true, [][]float32{x, randn(nc), randn(nc)},
			[][]float32{randn(nc), randn(nc), randn(n)}, []string{"mean", "std", "dx"},
			func(b graph.Backend, in, out []graph.Buffer) {
				b.ChannelMeanStdForward(in[0], out[0], out[1], p)
				b.ChannelMeanStdBackward(in[0], out[0], out[1], in[1], in[2], out[2], p)
			}})
		if s.H < 2 || s.W < 2 {
			continue
		}
		m := graph.PoolShape(s).Len()
		cs = append(cs,
			opCase{"MaxPool2x2/" + s.String(), graphtest.TolExact, true, [][]float32{randn(n), randn(m)}, [][]float32{randn(m), randn(n)},
				[]string{"y", "dx"}, func(b graph.Backend, in, out []graph.Buffer) {
					b.MaxPool2x2Forward(in[0], out[0], s)
					b.MaxPool2x2Backward(in[0], in[1], out[1], s)
				}},
			opCase{"AvgPool2x2/" + s.String(), graphtest.TolElementwise, true, [][]float32{randn(n), randn(m)}, [][]float32{randn(m), randn(n)},
				[]string{"y", "dx"}, func(b graph.Backend, in, out []graph.Buffer) {
					b.AvgPool2x2Forward(in[0], out[0], s)
					b.AvgPool2x2Backward(in[1], out[1], s)
				}},
			opCase{"L2Pool2x2/" + s.String(), graphtest.TolElementwise, true, [][]float32{randn(n), randn(m)}, [][]float32{randn(m), randn(n)},
				[]string{"y", "dx"}, func(b graph.Backend, in, out []graph.Buffer) {
					b.L2Pool2x2Forward(in[0], out[0], s, 0.78)
					b.L2Pool2x2Backward(in[0], in[1], out[1], s, 0.78)
				}})
	}
	resizes := slices.Concat(graphtest.ResizeCases, []graph.ResizeParams{
		graph.ResizeParams{N: 1, C: 3, InH: 20, InW: 30, OutH: 31, OutW: 29},
		graph.ResizeParams{N: 1, C: 2, InH: 3, InW: 2, OutH: 30, OutW: 31},
		graph.ResizeParams{N: 1, C: 2, InH: 31, InW: 30, OutH: 2, OutW: 3},
		graph.ResizeParams{N: 2, C: 2, InH: 30, InW: 33, OutH: 9, OutW: 13}})
	for _, p := range resizes {
		xn, yn := p.InShape().Len(), p.OutShape().Len()
		cs = append(cs, opCase{fmt.Sprintf("BilinearResize/%v→%v", p.InShape(), p.OutShape()), graphtest.TolResize, true,
			[][]float32{randn(xn), randn(yn)}, [][]float32{randn(yn), randn(xn)}, []string{"y", "dx"},
			func(b graph.Backend, in, out []graph.Buffer) {
				b.BilinearResizeForward(in[0], out[0], p)
				b.BilinearResizeBackward(in[1], out[1], p)
			}})
	}
	return cs
}

// TestPlaneTooLarge checks that a plane larger than one binding is an error
// from Flush that says what to do, not a crash or a validation message, and
// that the backend works again afterwards.
func TestPlaneTooLarge(t *testing.T) {
	b := newBackend(t, gpu.Options{MaxBindingRange: splitBinding})
	s := graph.NCHW(1, 2, 40, 30) // 4800-byte planes
	x, _ := b.Alloc(s.Len(), "x")
	y, _ := b.Alloc(graph.PoolShape(s).Len(), "y")
	defer b.Free(x)
	defer b.Free(y)
	b.MaxPool2x2Forward(x, y, s)
	if err := b.Flush(); err == nil || !strings.Contains(err.Error(), "smaller image size") {
		t.Errorf("Flush: %v, want an error about the image size", err)
	}
	if err := b.Upload(x, make([]float32, s.Len())); err != nil {
		t.Fatal(err)
	}
	b.ReLUForward(x, x)
	if err := b.Flush(); err != nil {
		t.Errorf("Flush after the error: %v", err)
	}
}
