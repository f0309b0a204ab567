package fast

import (
	"errors"
	"fmt"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/vgg"
)

// AdaIN is arbitrary style transfer by adaptive instance normalisation
// (Huang & Belongie 2017) with the networks of naoto0804/pytorch-AdaIN:
// the encoder vgg_normalised.pth, a VGG19 whose first 1×1 convolution
// bakes in the preprocessing (input RGB 0–1), read up to relu4_1 with
// reflection padding and ceil-mode max pooling; and decoder.pth, which
// mirrors it with nearest ×2 upsampling. The content's relu4_1 features
// take each channel's mean and standard deviation from the style's (both
// unbiased, eps 1e-5, as that code computes them) and are decoded.
type AdaIN struct {
	// EncoderPath and DecoderPath are the files the weights came from.
	EncoderPath, DecoderPath string
	// Widths are the encoder's channels at relu1_1, relu2_1, relu3_1 and
	// relu4_1 (64, 128, 256, 512 in the published files).
	Widths [4]int
	p      *params

	content *contentCode // the last content encoded
	encProg *program     // the style encoder at the last style size
	decProg *program     // the decoder of content's features
}

// adainEncoder lists the encoder's convolutions to relu4_1: key prefix
// (nn.Sequential index), widths index of input and output (−1: RGB),
// kernel, and whether a max pooling follows its ReLU.
var adainEncoder = []aconv{
	{"0", -1, -1, 1, false}, {"2", -1, 0, 3, false}, {"5", 0, 0, 3, true},
	{"9", 0, 1, 3, false}, {"12", 1, 1, 3, true},
	{"16", 1, 2, 3, false}, {"19", 2, 2, 3, false}, {"22", 2, 2, 3, false}, {"25", 2, 2, 3, true},
	{"29", 2, 3, 3, false},
}

// adainDecoder lists the decoder's convolutions; up marks a nearest ×2
// upsampling before it.
var adainDecoder = []aconv{
	{"1", 3, 2, 3, false}, {"5", 2, 2, 3, true}, {"8", 2, 2, 3, false}, {"11", 2, 2, 3, false}, {"14", 2, 1, 3, false},
	{"18", 1, 1, 3, true}, {"21", 1, 0, 3, false}, {"25", 0, 0, 3, true}, {"28", 0, -1, 3, false},
}

// aconv is a convolution of the AdaIN networks; flag is "pool after"
// in the encoder and "upsample before" in the decoder.
type aconv struct {
	key        string
	in, out, k int
	poolOrUp   bool
}

// AdaINMinSide is the smallest image side the encoder takes: relu4_1 is
// the side halved three times (rounding up) and needs 2 pixels for its
// reflection padding and its unbiased variance.
const AdaINMinSide = 9

// LoadAdaIN reads the encoder (vgg_normalised.pth) and the decoder
// (decoder.pth). Errors are one line naming the file; swapped files, a
// TransformerNet or a Gatys VGG say which flag or command takes them, and
// a decoder trained for another encoder says where the widths disagree.
func LoadAdaIN(encoder, decoder string) (*AdaIN, error) {
	a := &AdaIN{EncoderPath: encoder, DecoderPath: decoder, p: newParams("AdaIN")}
	if err := a.readEncoder(encoder); err != nil {
		return nil, err
	}
	if err := a.readDecoder(decoder); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *AdaIN) readEncoder(path string) error {
	d, err := vgg.OpenStateDict(path)
	if err != nil {
		return err
	}
	defer d.Close()
	fail := func(err error) error { return fmt.Errorf("fast: -encoder %s: %w", path, err) }
	if s, ok := d.Shape("0.weight"); !ok || len(s) != 4 || s[0] != 3 || s[1] != 3 || s[2] != 1 || s[3] != 1 {
		return fail(errors.New(misfiled(d, "an AdaIN encoder (vgg_normalised.pth: keys 0.weight 3×3×1×1, 2.weight, …)", "vkstyle adain")))
	}
	for i, key := range []string{"2", "9", "16", "29"} {
		s, ok := d.Shape(key + ".weight")
		if !ok || len(s) != 4 {
			return fail(fmt.Errorf("no 4-D tensor %s.weight: not a complete AdaIN encoder (vgg_normalised.pth), which has %s", key, d.Describe()))
		}
		a.Widths[i] = int(s[0])
	}
	return a.readConvs(d, "enc.", adainEncoder, "AdaIN encoder", fail)
}

func (a *AdaIN) readDecoder(path string) error {
	d, err := vgg.OpenStateDict(path)
	if err != nil {
		return err
	}
	defer d.Close()
	fail := func(err error) error { return fmt.Errorf("fast: -decoder %s: %w", path, err) }
	s, ok := d.Shape("1.weight")
	if !ok || d.Has("0.weight") || len(s) != 4 {
		return fail(errors.New(misfiled(d, "an AdaIN decoder (decoder.pth: keys 1.weight, 5.weight, …)", "vkstyle adain")))
	}
	if int(s[1]) != a.Widths[3] {
		return fail(fmt.Errorf("the decoder's first convolution takes %d channels but the encoder's relu4_1 gives %d: they were not trained together", s[1], a.Widths[3]))
	}
	return a.readConvs(d, "dec.", adainDecoder, "AdaIN decoder", fail)
}

// readConvs reads the listed convolutions of d under prefix.
func (a *AdaIN) readConvs(d *vgg.StateDict, prefix string, cs []aconv, what string, fail func(error) error) error {
	width := func(i int) int {
		if i < 0 {
			return 3
		}
		return a.Widths[i]
	}
	for _, c := range cs {
		in, out := width(c.in), width(c.out)
		desc := fmt.Sprintf("%s layer %s, %d→%d channels, %d×%d", what, c.key, in, out, c.k, c.k)
		wshape := []int64{int64(out), int64(in), int64(c.k), int64(c.k)}
		if err := a.p.readAs(d, c.key+".weight", prefix+c.key+".weight", wshape, graph.NCHW(out, in, c.k, c.k), desc); err != nil {
			return fail(err)
		}
		if err := a.p.readAs(d, c.key+".bias", prefix+c.key+".bias", []int64{int64(out)}, graph.NCHW(1, 1, 1, out), desc); err != nil {
			return fail(err)
		}
	}
	return nil
}

// Bytes is the size of the weights.
func (a *AdaIN) Bytes() int64 { return a.p.bytes() }

// encode adds the encoder to g, reading x (N×3×H×W, RGB 0–1), and returns
// relu4_1.
func (a *AdaIN) encode(g *graph.Graph, x *graph.Tensor) *graph.Tensor {
	h := x
	for _, c := range adainEncoder {
		w, b := a.p.constant(g, "enc."+c.key+".weight"), a.p.constant(g, "enc."+c.key+".bias")
		if c.k == 1 {
			h = g.Conv2D(h, w, b, graph.ConvOpts{}) // the preprocessing: no ReLU after it
			continue
		}
		h = g.ReLU(g.Conv2D(h, w, b, graph.ConvOpts{Pad: 1, Reflect: true}))
		if c.poolOrUp {
			h = g.MaxPool2x2Ceil(h)
		}
	}
	return h
}

// decode adds the decoder to g, reading t (features at relu4_1).
func (a *AdaIN) decode(g *graph.Graph, t *graph.Tensor) *graph.Tensor {
	h := t
	for i, c := range adainDecoder {
		if c.poolOrUp {
			h = g.UpsampleNearest(h, 2)
		}
		w, b := a.p.constant(g, "dec."+c.key+".weight"), a.p.constant(g, "dec."+c.key+".bias")
		h = g.Conv2D(h, w, b, graph.ConvOpts{Pad: 1, Reflect: true})
		if i < len(adainDecoder)-1 {
			h = g.ReLU(h)
		}
	}
	return h
}

// Upload copies the weights to b; again with the same backend it does
// nothing. Close before moving to another backend.
func (a *AdaIN) Upload(b graph.Backend) error { return a.p.upload(b) }

// Close frees the device copies of the weights, the compiled programs and
// the encoded images; the host weights stay. Closing twice is harmless.
func (a *AdaIN) Close() {
	a.decProg.close()
	a.encProg.close()
	if a.content != nil {
		a.content.prog.close()
	}
	a.decProg, a.encProg, a.content = nil, nil, nil
	a.p.close()
}
