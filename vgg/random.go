package vgg

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// RandomArch is the offline network of NewRandom: a multi-scale bank of
// random filters after Ustyuzhaninov, Brendel, Gatys & Bethge (2017),
// "What does it take to generate natural textures?" (ICLR), who found
// that a single layer of random filters at several scales synthesises
// textures nearly as well as VGG's deep features. Their filters reach
// 55×55 pixels at full resolution; to stay cheap on a CPU Vulkan driver
// this network reaches large scales by average-pooling the image instead
// (pool1 … pool4 form an image pyramid, not a chain of features) and
// filters each level once. Each level is blurred (a fixed [1 2 1]/4
// binomial filter, reflect-padded) before it is pooled, so the pyramid is
// a Gaussian one: with a plain 2×2 box the gradient of the coarse levels
// comes back as flat 8×8 and 16×16 blocks, and the result shows them.
//
//	relu1_1  3×3 conv, 64 filters, on the image          (VGG's relu1_1 scale)
//	relu2_1  5×5 conv, 64 filters, on the image at 1/2   (relu2_1)
//	relu3_1  5×5 conv, 128 filters, on the image at 1/4  (relu3_1)
//	relu4_1  5×5 conv, 128 filters, on the image at 1/8  (relu4_1)
//	relu4_2  3×3 conv, 128 filters, on relu4_1           (relu4_2)
//	relu5_1  5×5 conv, 128 filters, on the image at 1/16 (relu5_1)
//
// The names are VGG's, at VGG's resolutions, so the default content
// layer (relu4_2) and style layers (relu1_1 … relu5_1) work unchanged.
// About 3 GFLOP forward at 512×512, against 198 for VGG19 to relu5_1.
var RandomArch = mustArch("random", []Layer{
	{Name: "conv1_1", Kind: Conv, In: 3, Out: 64, Kernel: 3},
	{Name: "relu1_1", Kind: ReLU, Input: "conv1_1", In: 64, Out: 64},
	{Name: "blur1", Kind: Conv, In: 3, Out: 3, Kernel: 3, Reflect: true},
	{Name: "pool1", Kind: Pool, Input: "blur1", In: 3, Out: 3},
	{Name: "conv2_1", Kind: Conv, Input: "pool1", In: 3, Out: 64, Kernel: 5},
	{Name: "relu2_1", Kind: ReLU, Input: "conv2_1", In: 64, Out: 64},
	{Name: "blur2", Kind: Conv, Input: "pool1", In: 3, Out: 3, Kernel: 3, Reflect: true},
	{Name: "pool2", Kind: Pool, Input: "blur2", In: 3, Out: 3},
	{Name: "conv3_1", Kind: Conv, Input: "pool2", In: 3, Out: 128, Kernel: 5},
	{Name: "relu3_1", Kind: ReLU, Input: "conv3_1", In: 128, Out: 128},
	{Name: "blur3", Kind: Conv, Input: "pool2", In: 3, Out: 3, Kernel: 3, Reflect: true},
	{Name: "pool3", Kind: Pool, Input: "blur3", In: 3, Out: 3},
	{Name: "conv4_1", Kind: Conv, Input: "pool3", In: 3, Out: 128, Kernel: 5},
	{Name: "relu4_1", Kind: ReLU, Input: "conv4_1", In: 128, Out: 128},
	{Name: "conv4_2", Kind: Conv, Input: "relu4_1", In: 128, Out: 128, Kernel: 3},
	{Name: "relu4_2", Kind: ReLU, Input: "conv4_2", In: 128, Out: 128},
	{Name: "blur4", Kind: Conv, Input: "pool3", In: 3, Out: 3, Kernel: 3, Reflect: true},
	{Name: "pool4", Kind: Pool, Input: "blur4", In: 3, Out: 3},
	{Name: "conv5_1", Kind: Conv, Input: "pool4", In: 3, Out: 128, Kernel: 5},
	{Name: "relu5_1", Kind: ReLU, Input: "conv5_1", In: 128, Out: 128},
})

func mustArch(name string, layers []Layer) *Arch {
	a, err := NewArch(name, layers)
	if err != nil {
		panic(err)
	}
	return a
}

// NewRandom returns the offline network: RandomArch with weights drawn
// from seed (see Randomized), average pooling for its image pyramid and
// the Torchvision input convention (which centres and scales the colour
// channels). It needs no weight file, so vkstyle runs with no download.
//
// It is good for colour and texture: style transfer with it carries a
// style image's palette and fine texture, and keeps the content image's
// layout. It knows nothing of objects or strokes; for the results of
// Gatys et al. use VGG19 (`vkstyle weights fetch vgg19`).
func NewRandom(seed uint64) *Net {
	n := Randomized(RandomArch, seed)
	for _, l := range RandomArch.Layers {
		if strings.HasPrefix(l.Name, "blur") {
			n.convs[l.Name].ConvWeights = binomial3(l.In)
		}
	}
	n.Pooling = AvgPool
	return n
}

// binomial3 is a channel-wise [1 2 1]ᵀ[1 2 1]/16 blur as a c→c
// convolution (zero between channels), with zero bias.
func binomial3(c int) ConvWeights {
	k := [3]float32{1, 2, 1}
	w := make([]float32, c*c*9)
	for ch := 0; ch < c; ch++ {
		for y := 0; y < 3; y++ {
			for x := 0; x < 3; x++ {
				w[((ch*c+ch)*3+y)*3+x] = k[y] * k[x] / 16
			}
		}
	}
	return ConvWeights{W: w, B: make([]float32, c)}
}

// Randomized returns a Net of arch whose every convolution has
// He-uniform random weights, uniform in ±sqrt(6/(In·Kernel²)) (variance
// 2/fan-in, He et al. 2015), and zero biases, with the Torchvision
// convention. The weights come from a PCG generator (math/rand/v2's
// PCG-DXSM, seeded with (seed, layer index)) through integer-to-float
// conversion, one correctly rounded square root and one product, so the
// same seed gives the same float32 bits on every platform.
func Randomized(arch *Arch, seed uint64) *Net {
	weights := map[string]ConvWeights{}
	for i, l := range arch.Layers {
		if l.Kind != Conv {
			continue
		}
		fanIn := l.In * l.Kernel * l.Kernel
		a := math.Sqrt(6 / float64(fanIn))
		src := rand.NewPCG(seed, uint64(i))
		w := make([]float32, l.Out*fanIn)
		for j := range w {
			u := float64(src.Uint64()>>11) * 0x1p-53 // [0, 1), exact
			v := float64(2*u - 1)                    // exact, fused or not
			w[j] = float32(v * a)
		}
		weights[l.Name] = ConvWeights{W: w, B: make([]float32, l.Out)}
	}
	n, err := NewNet(arch, weights, Torchvision)
	if err != nil {
		panic(err) // NewNet accepts every conv of arch with these sizes
	}
	n.Source = fmt.Sprintf("random(seed %d)", seed)
	return n
}
