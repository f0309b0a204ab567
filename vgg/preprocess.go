package vgg

import "fmt"

// Convention is the input preprocessing a set of weights was trained
// with. An image, planar RGB with values in [0, 1], becomes the network
// input
//
//	y[c] = (Scale·x[src(c)] − Mean[c]) / Std[c]
//
// where src(c) = c, or 2 − c when BGR is set (network channel 0 is then
// blue). Mean and Std are in network channel order.
type Convention struct {
	Name  string
	BGR   bool       // network channels are blue, green, red
	Scale float64    // multiplies the [0, 1] values first
	Mean  [3]float64 // subtracted after scaling, network channel order
	Std   [3]float64 // divides after subtracting, network channel order
}

var (
	// Torchvision is the convention of torchvision's ImageNet models
	// (vgg19-dcbb9e9d.pth, vgg16-397923af.pth) and of timm's
	// vgg19.tv_in1k: RGB in [0, 1], mean (0.485, 0.456, 0.406), std
	// (0.229, 0.224, 0.225) (torchvision.transforms.Normalize in the
	// torchvision model documentation).
	Torchvision = Convention{Name: "torchvision", Scale: 1,
		Mean: [3]float64{0.485, 0.456, 0.406}, Std: [3]float64{0.229, 0.224, 0.225}}

	// Caffe is the convention of the original Caffe VGG models
	// (Simonyan & Zisserman 2014) and of their PyTorch conversions
	// vgg19-d01eb7cb.pth and vgg16-00b39a1b.pth (jcjohnson/pytorch-vgg,
	// README: "BGR format in the range [0, 255]", then subtract
	// [103.939, 116.779, 123.68]), which neural-style-pt uses: no
	// division.
	Caffe = Convention{Name: "caffe", BGR: true, Scale: 255,
		Mean: [3]float64{103.939, 116.779, 123.68}, Std: [3]float64{1, 1, 1}}

	// NeuralStyle is Caffe as jcjohnson/neural-style (neural_style.lua)
	// and ProGamerGov/neural-style-pt (neural_style.py, preprocess)
	// implement it: they scale by 256, not 255, so their inputs are 0.4 %
	// brighter. Use it to reproduce their numbers exactly.
	NeuralStyle = Convention{Name: "neural-style", BGR: true, Scale: 256,
		Mean: [3]float64{103.939, 116.779, 123.68}, Std: [3]float64{1, 1, 1}}
)

// ConventionByName returns Torchvision, Caffe or NeuralStyle by name.
func ConventionByName(name string) (Convention, error) {
	for _, c := range []Convention{Torchvision, Caffe, NeuralStyle} {
		if c.Name == name {
			return c, nil
		}
	}
	return Convention{}, fmt.Errorf("vgg: unknown input convention %q: want torchvision, caffe or neural-style", name)
}

// Affine returns the preprocessing as one multiply-add per element,
// y[c] = scale[c]·x[src[c]] + offset[c], for a device kernel.
func (c Convention) Affine() (scale, offset [3]float32, src [3]int) {
	for ch := range 3 {
		src[ch] = c.src(ch)
		scale[ch] = float32(c.Scale / c.Std[ch])
		offset[ch] = float32(-c.Mean[ch] / c.Std[ch])
	}
	return scale, offset, src
}

func (c Convention) src(ch int) int {
	if c.BGR {
		return 2 - ch
	}
	return ch
}

// Preprocess sets dst to the network input for the image src: both are
// one planar 3×H×W image (NCHW with N = 1), src RGB in [0, 1] and dst in
// network channel order. It computes in float64 and rounds once. dst and
// src must not overlap unless they are the same slice and the convention
// keeps channel order. It panics unless len(dst) == len(src), a multiple
// of 3.
func (c Convention) Preprocess(dst, src []float32) {
	plane := c.planes("Preprocess", dst, src)
	for ch := range 3 {
		d, s := dst[ch*plane:(ch+1)*plane], src[c.src(ch)*plane:(c.src(ch)+1)*plane]
		for i, v := range s {
			d[i] = float32((c.Scale*float64(v) - c.Mean[ch]) / c.Std[ch])
		}
	}
}

// Deprocess is the inverse of Preprocess: it sets dst, planar RGB with
// values nominally in [0, 1], from the network input src. It does not
// clamp. The same length and overlap rules apply.
func (c Convention) Deprocess(dst, src []float32) {
	plane := c.planes("Deprocess", dst, src)
	for ch := range 3 {
		s, d := src[ch*plane:(ch+1)*plane], dst[c.src(ch)*plane:(c.src(ch)+1)*plane]
		for i, v := range s {
			d[i] = float32((float64(v)*c.Std[ch] + c.Mean[ch]) / c.Scale)
		}
	}
}

func (c Convention) planes(op string, dst, src []float32) int {
	if len(dst) != len(src) || len(src)%3 != 0 {
		panic(fmt.Sprintf("vgg: %s %s: %d values into %d; want equal lengths, a multiple of 3", c.Name, op, len(src), len(dst)))
	}
	if c.BGR && len(src) > 0 && &dst[0] == &src[0] {
		panic(fmt.Sprintf("vgg: %s %s: in place with BGR reordering", c.Name, op))
	}
	return len(src) / 3
}
