package graphtest

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/vkstyle/vkstyle/graph"
)

// Golden is one named tensor of a goldens file.
type Golden struct {
	Dims []int
	Data []float32
}

// goldensMagic and goldensVersion head a goldens file; the format is
// documented in graph/testdata/make_goldens.py, which writes it:
// magic "VKSGOLD\0", uint32 version, uint32 count, then count times a
// uint32-length-prefixed UTF-8 name, uint32 ndim, ndim uint32 dims and
// the float32 data, all little-endian.
const (
	goldensMagic   = "VKSGOLD\x00"
	goldensVersion = 1
)

// GoldensPath returns the path of graph/testdata/goldens.bin in the
// source tree this package was built from.
func GoldensPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "goldens.bin")
}

// ReadGoldens reads a goldens file.
func ReadGoldens(r io.Reader) (map[string]Golden, error) {
	br := bufio.NewReader(r)
	magic := make([]byte, len(goldensMagic))
	if _, err := io.ReadFull(br, magic); err != nil {
		return nil, fmt.Errorf("graphtest: goldens header: %w", err)
	}
	if string(magic) != goldensMagic {
		return nil, fmt.Errorf("graphtest: goldens: bad magic %q", magic)
	}
	var hdr [2]uint32
	if err := binary.Read(br, binary.LittleEndian, &hdr); err != nil {
		return nil, fmt.Errorf("graphtest: goldens header: %w", err)
	}
	if hdr[0] != goldensVersion {
		return nil, fmt.Errorf("graphtest: goldens version %d, want %d", hdr[0], goldensVersion)
	}
	out := make(map[string]Golden, hdr[1])
	u32 := func() (int, error) {
		var v uint32
		err := binary.Read(br, binary.LittleEndian, &v)
		return int(v), err
	}
	for i := 0; i < int(hdr[1]); i++ {
		n, err := u32()
		if err != nil || n > 1<<10 {
			return nil, fmt.Errorf("graphtest: goldens tensor %d: name length %d: %v", i, n, err)
		}
		name := make([]byte, n)
		if _, err := io.ReadFull(br, name); err != nil {
			return nil, fmt.Errorf("graphtest: goldens tensor %d: %w", i, err)
		}
		ndim, err := u32()
		if err != nil || ndim > 8 {
			return nil, fmt.Errorf("graphtest: goldens %s: %d dims: %v", name, ndim, err)
		}
		g, size := Golden{Dims: make([]int, ndim)}, 1
		for d := range g.Dims {
			if g.Dims[d], err = u32(); err != nil {
				return nil, fmt.Errorf("graphtest: goldens %s: %w", name, err)
			}
			size *= g.Dims[d]
		}
		if size > 1<<24 {
			return nil, fmt.Errorf("graphtest: goldens %s: %d elements", name, size)
		}
		g.Data = make([]float32, size)
		if err := binary.Read(br, binary.LittleEndian, g.Data); err != nil {
			return nil, fmt.Errorf("graphtest: goldens %s: %w", name, err)
		}
		out[string(name)] = g
	}
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("graphtest: goldens: trailing data after %d tensors", hdr[1])
	}
	return out, nil
}

// LoadGoldens reads the goldens file at GoldensPath.
func LoadGoldens() (map[string]Golden, error) { return ReadGoldensFile(GoldensPath()) }

// ReadGoldensFile reads the goldens file at path (any package's, in the
// format of ReadGoldens).
func ReadGoldensFile(path string) (map[string]Golden, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("graphtest: %w", err)
	}
	defer f.Close()
	return ReadGoldens(f)
}

// TestGoldens runs the cases of graph/testdata/goldens.bin on b and
// compares with PyTorch's results under TolGolden (kinks exactly).
func TestGoldens(t *testing.T, b graph.Backend) {
	gold, err := LoadGoldens()
	if err != nil {
		t.Fatal(err)
	}
	get := func(t *testing.T, name string) Golden {
		g, ok := gold[name]
		if !ok {
			t.Fatalf("goldens: no tensor %s", name)
		}
		return g
	}
	t.Run("stack", func(t *testing.T) { runGoldenGraph(t, b, gold, "a/", buildGoldenStack(get(t, "a/weights").Data)) })
	t.Run("vgg-block", func(t *testing.T) { runGoldenGraph(t, b, gold, "b/", buildGoldenBlock(get(t, "b/weights").Data)) })
	for _, name := range []string{"resize_up", "resize_down"} {
		t.Run(name, func(t *testing.T) {
			x, y, dy, dx := get(t, name+"/x"), get(t, name+"/y"), get(t, name+"/dy"), get(t, name+"/dx")
			p := graph.ResizeParams{N: x.Dims[0], C: x.Dims[1], InH: x.Dims[2], InW: x.Dims[3], OutH: y.Dims[2], OutW: y.Dims[3]}
			got := exec(t, b, kernelCase{name, TolGolden, [][]float32{x.Data, dy.Data},
				[][]float32{make([]float32, len(y.Data)), make([]float32, len(x.Data))}, []string{"y", "dx"},
				func(b graph.Backend, in, out []graph.Buffer) {
					b.BilinearResizeForward(in[0], out[0], p)
					b.BilinearResizeBackward(in[1], out[1], p)
				}})
			Compare(t, "y", got[0], y.Data, TolGolden)
			Compare(t, "dx", got[1], dx.Data, TolGolden)
		})
	}
	t.Run("stats", func(t *testing.T) {
		x, mean, std := get(t, "stats/x"), get(t, "stats/mean"), get(t, "stats/std")
		p := graph.StatsParams{N: x.Dims[0], C: x.Dims[1], H: x.Dims[2], W: x.Dims[3], Eps: get(t, "stats/eps").Data[0]}
		got := exec(t, b, kernelCase{"stats", TolGolden, [][]float32{x.Data, get(t, "stats/dmean").Data, get(t, "stats/dstd").Data},
			[][]float32{make([]float32, len(mean.Data)), make([]float32, len(std.Data)), make([]float32, len(x.Data))},
			[]string{"mean", "std", "dx"}, func(b graph.Backend, in, out []graph.Buffer) {
				b.ChannelMeanStdForward(in[0], out[0], out[1], p)
				b.ChannelMeanStdBackward(in[0], out[0], out[1], in[1], in[2], out[2], p)
			}})
		Compare(t, "mean", got[0], mean.Data, TolGolden)
		Compare(t, "std", got[1], std.Data, TolGolden)
		Compare(t, "dx", got[2], get(t, "stats/dx").Data, TolGolden)
	})
	t.Run("kinks", func(t *testing.T) {
		x, relu, y, dy := get(t, "kinks/x"), get(t, "kinks/relu"), get(t, "kinks/y"), get(t, "kinks/dy")
		s := graph.NCHW(x.Dims[0], x.Dims[1], x.Dims[2], x.Dims[3])
		n := len(x.Data)
		got := exec(t, b, kernelCase{"kinks", TolExact, [][]float32{x.Data, dy.Data},
			[][]float32{make([]float32, n), make([]float32, len(y.Data)), make([]float32, n), make([]float32, n)},
			[]string{"relu", "y", "drelu", "dx"}, func(b graph.Backend, in, out []graph.Buffer) {
				b.ReLUForward(in[0], out[0])
				b.MaxPool2x2Forward(out[0], out[1], s)
				b.MaxPool2x2Backward(out[0], in[1], out[2], s)
				b.ReLUBackward(out[0], out[2], out[3])
			}})
		Compare(t, "relu", got[0], relu.Data, TolExact)
		Compare(t, "y", got[1], y.Data, TolExact)
		Compare(t, "dx", got[3], get(t, "kinks/dx").Data, TolExact)
	})
}

// goldenGraph is a graph rebuilt from a goldens case: its leaves are bound
// by name (prefix + leaf name), outputs and terms are compared with the
// tensors of the same name, grads with "grad_" + variable name.
type goldenGraph struct {
	g       *graph.Graph
	loss    *graph.Tensor
	outputs []*graph.Tensor
	terms   []*graph.Tensor
}

func runGoldenGraph(t *testing.T, b graph.Backend, gold map[string]Golden, prefix string, gg goldenGraph) {
	var leaves []graph.Buffer
	defer func() {
		for _, buf := range leaves {
			b.Free(buf)
		}
	}()
	for _, l := range gg.g.Leaves() {
		v, ok := gold[prefix+l.Name()]
		if !ok || len(v.Data) != l.Shape().Len() {
			t.Fatalf("goldens: %s%s missing or not %v", prefix, l.Name(), l.Shape())
		}
		buf, err := b.Alloc(len(v.Data), l.Name())
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, buf)
		if err := b.Upload(buf, v.Data); err != nil {
			t.Fatal(err)
		}
		l.Bind(buf)
	}
	prog, err := gg.g.Compile(b)
	if err != nil {
		t.Fatal(err)
	}
	defer prog.Close()
	prog.Run()
	check := func(name string, buf graph.Buffer) []float32 {
		got := make([]float32, buf.Len())
		if err := b.Download(buf, got); err != nil {
			t.Fatalf("Download %s: %v", name, err)
		}
		if want, ok := gold[prefix+name]; !ok {
			t.Errorf("goldens: no tensor %s%s", prefix, name)
		} else {
			Compare(t, name, got, want.Data, TolGolden)
		}
		return got
	}
	check("loss", gg.loss.Buffer())
	for _, o := range gg.outputs {
		check(o.Name(), o.Buffer())
	}
	var terms []float32
	for _, term := range gg.terms {
		v := make([]float32, 1)
		if err := b.Download(term.Buffer(), v); err != nil {
			t.Fatal(err)
		}
		terms = append(terms, v[0])
	}
	Compare(t, "terms", terms, gold[prefix+"terms"].Data, TolGolden)
	for _, l := range gg.g.Leaves() {
		if l.RequiresGrad() {
			check("grad_"+l.Name(), l.Grad())
		}
	}
}

// buildGoldenStack rebuilds case a of make_goldens.py.
func buildGoldenStack(weights []float32) goldenGraph {
	g := graph.New()
	x := g.Variable("x", graph.NCHW(1, 3, 16, 16))
	w1, b1 := g.Variable("w1", graph.NCHW(4, 3, 3, 3)), g.Variable("b1", graph.NCHW(1, 4, 1, 1))
	w2, b2 := g.Variable("w2", graph.NCHW(6, 4, 3, 3)), g.Variable("b2", graph.NCHW(1, 6, 1, 1))
	target := g.Constant("target", graph.NCHW(1, 6, 2, 2))
	conv1 := g.Conv2D(x, w1, b1, graph.ConvOpts{Pad: 1, Reflect: true}).SetName("conv1")
	relu1 := g.ReLU(conv1).SetName("relu1")
	pool1 := g.MaxPool2x2(relu1).SetName("pool1")
	conv2 := g.Conv2D(pool1, w2, b2, graph.ConvOpts{Stride: 2, Pad: 1}).SetName("conv2")
	relu2 := g.ReLU(conv2).SetName("relu2")
	pool2 := g.AvgPool2x2(relu2).SetName("pool2")
	terms := []*graph.Tensor{g.MSE(pool2, target), g.TV(x)}
	loss := g.WeightedSum(terms, weights)
	outputs := []*graph.Tensor{conv1, relu1, pool1, conv2, relu2, pool2}
	g.Keep(append(outputs, terms...)...)
	g.Backward(loss)
	return goldenGraph{g, loss, outputs, terms}
}

// buildGoldenBlock rebuilds case b of make_goldens.py.
func buildGoldenBlock(weights []float32) goldenGraph {
	g := graph.New()
	x := g.Variable("x", graph.NCHW(1, 8, 16, 16))
	w1, b1 := g.Constant("w1", graph.NCHW(16, 8, 3, 3)), g.Constant("b1", graph.NCHW(1, 16, 1, 1))
	w2, b2 := g.Constant("w2", graph.NCHW(16, 16, 3, 3)), g.Constant("b2", graph.NCHW(1, 16, 1, 1))
	content := g.Constant("content_target", graph.NCHW(1, 16, 16, 16))
	gram1T := g.Constant("gram1_target", graph.NCHW(1, 1, 16, 16))
	gramPoolT := g.Constant("gram_pool_target", graph.NCHW(1, 1, 16, 16))
	conv1 := g.Conv2D(x, w1, b1, graph.ConvOpts{Pad: 1}).SetName("conv1")
	relu1 := g.ReLU(conv1).SetName("relu1")
	conv2 := g.Conv2D(relu1, w2, b2, graph.ConvOpts{Pad: 1}).SetName("conv2")
	relu2 := g.ReLU(conv2).SetName("relu2")
	pool := g.MaxPool2x2(relu2).SetName("pool")
	gram1, gramPool := g.Gram(relu1).SetName("gram1"), g.Gram(pool).SetName("gram_pool")
	terms := []*graph.Tensor{g.MSE(relu2, content), g.MSE(gram1, gram1T), g.MSE(gramPool, gramPoolT), g.TV(x)}
	loss := g.WeightedSum(terms, weights)
	outputs := []*graph.Tensor{conv1, relu1, conv2, relu2, pool, gram1, gramPool}
	g.Keep(append(outputs, terms...)...)
	g.Backward(loss)
	return goldenGraph{g, loss, outputs, terms}
}
