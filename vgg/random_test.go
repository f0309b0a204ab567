package vgg

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
)

// randomWeightsSHA256 pins NewRandom(0)'s weights bit for bit: a change
// means the offline network changed for every user and platform.
const randomWeightsSHA256 = "f10a2a5dae06ba4853b0dffdb3801656b43d7c36fa7745fc1da162cff7162169"

func weightsHash(n *Net) string {
	h := sha256.New()
	for _, l := range n.Arch.Convs(nil) {
		p := n.convs[l.Name]
		for _, v := range append(append([]float32(nil), p.W...), p.B...) {
			h.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestRandomDeterministic(t *testing.T) {
	a, b := NewRandom(0), NewRandom(0)
	if weightsHash(a) != weightsHash(b) {
		t.Fatal("NewRandom(0) differs between calls")
	}
	if got := weightsHash(a); got != randomWeightsSHA256 {
		t.Errorf("NewRandom(0) weights hash %s, want %s", got, randomWeightsSHA256)
	}
	if weightsHash(NewRandom(1)) == weightsHash(a) {
		t.Error("seeds 0 and 1 give the same weights")
	}
	// He-uniform: |w| ≤ sqrt(6/fan-in), variance ≈ 2/fan-in; the pyramid's
	// blurs are the fixed binomial filter.
	for _, l := range a.Arch.Convs(nil) {
		w := a.convs[l.Name].W
		if strings.HasPrefix(l.Name, "blur") {
			want := binomial3(l.In).W
			for i := range w {
				if w[i] != want[i] {
					t.Fatalf("%s: weight %d = %v, want the binomial %v", l.Name, i, w[i], want[i])
				}
			}
			continue
		}
		bound := math.Sqrt(6 / float64(l.In*l.Kernel*l.Kernel))
		var ss float64
		for _, v := range w {
			if math.Abs(float64(v)) > bound {
				t.Fatalf("%s: weight %v beyond ±%v", l.Name, v, bound)
			}
			ss += float64(v) * float64(v)
		}
		if v, want := ss/float64(len(w)), bound*bound/3; math.Abs(v-want) > 0.1*want {
			t.Errorf("%s: variance %v, want %v", l.Name, v, want)
		}
	}
	if a.Pooling != AvgPool || a.Convention.Name != "torchvision" || a.Source != "random(seed 0)" {
		t.Errorf("NewRandom: pooling %v, convention %s, source %q", a.Pooling, a.Convention.Name, a.Source)
	}
}

// TestRandomFeatures runs the offline network at 64×48 and checks every
// layer's shape: VGG's names at VGG's resolutions.
func TestRandomFeatures(t *testing.T) {
	n := NewRandom(0)
	b := cpu.New()
	if err := n.Upload(b); err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	g := graph.New()
	x := g.Variable("x", graph.NCHW(1, 3, 64, 48))
	xb, _ := b.Alloc(x.Shape().Len(), "x")
	defer b.Free(xb)
	x.Bind(xb)
	names := []string{"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu4_2", "relu5_1"}
	feats, err := n.Features(g, x, names)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]graph.Shape{
		"relu1_1": graph.NCHW(1, 64, 64, 48), "relu2_1": graph.NCHW(1, 64, 32, 24), "relu3_1": graph.NCHW(1, 128, 16, 12),
		"relu4_1": graph.NCHW(1, 128, 8, 6), "relu4_2": graph.NCHW(1, 128, 8, 6), "relu5_1": graph.NCHW(1, 128, 4, 3),
	}
	for name, s := range want {
		if feats[name].Shape() != s {
			t.Errorf("%s: %v, want %v", name, feats[name].Shape(), s)
		}
	}
	// The pyramid's cost: forward multiply-adds per input pixel.
	var macs float64
	for _, l := range n.Arch.Convs(nil) {
		scale := map[string]float64{"conv1_1": 1, "blur1": 1, "conv2_1": 4, "blur2": 4, "conv3_1": 16, "blur3": 16,
			"conv4_1": 64, "conv4_2": 64, "blur4": 64, "conv5_1": 256}[l.Name]
		macs += float64(l.Out*l.In*l.Kernel*l.Kernel) / scale
	}
	if gflop := 2 * macs * 512 * 512 / 1e9; gflop > 4 {
		t.Errorf("random network: %.2f GFLOP forward at 512², want it cheap", gflop)
	} else {
		t.Logf("random network: %.2f GFLOP forward at 512² (VGG19 to relu5_1: 198)", gflop)
	}
	if _, err := n.Features(g, x, []string{"pool5"}); err == nil {
		t.Error("random network has a pool5")
	}
}
