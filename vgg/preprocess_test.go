package vgg

import (
	"math"
	"strings"
	"testing"
)

func TestPreprocessRoundTrip(t *testing.T) {
	src := make([]float32, 3*5*7)
	for i := range src {
		src[i] = float32(i%11) / 10
	}
	for _, c := range []Convention{Torchvision, Caffe, NeuralStyle} {
		pre, back := make([]float32, len(src)), make([]float32, len(src))
		c.Preprocess(pre, src)
		c.Deprocess(back, pre)
		for i := range src {
			if math.Abs(float64(back[i]-src[i])) > 1e-6 {
				t.Fatalf("%s: [%d] %v → %v → %v", c.Name, i, src[i], pre[i], back[i])
			}
		}
		// Affine is the same map.
		scale, offset, from := c.Affine()
		plane := len(src) / 3
		for ch := range 3 {
			for i := range plane {
				want := pre[ch*plane+i]
				got := scale[ch]*src[from[ch]*plane+i] + offset[ch]
				if math.Abs(float64(got-want)) > 1e-5*(1+math.Abs(float64(want))) {
					t.Fatalf("%s Affine channel %d: %v, Preprocess %v", c.Name, ch, got, want)
				}
			}
		}
	}
	// Caffe: network channel 0 is blue, ×255, minus the BGR mean.
	one := []float32{0, 0, 1} // red 0, green 0, blue 1 (1×1 image)
	out := make([]float32, 3)
	Caffe.Preprocess(out, one)
	if want := float32(255 - 103.939); out[0] != want || out[2] != float32(-123.68) {
		t.Errorf("Caffe of pure blue = %v, want [%v … %v]", out, want, float32(-123.68))
	}
	NeuralStyle.Preprocess(out, one)
	if want := float32(256 - 103.939); out[0] != want {
		t.Errorf("NeuralStyle of pure blue = %v, want %v first", out, want)
	}
}

func TestPreprocessMisuse(t *testing.T) {
	for _, f := range []func(){
		func() { Torchvision.Preprocess(make([]float32, 3), make([]float32, 6)) },
		func() { Torchvision.Preprocess(make([]float32, 4), make([]float32, 4)) },
		func() { x := make([]float32, 3); Caffe.Preprocess(x, x) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(r.(string), "vgg: ") {
					t.Errorf("panic %v, want a vgg: message", r)
				}
			}()
			f()
		}()
	}
	x := []float32{0.5, 0.5, 0.5}
	Torchvision.Preprocess(x, x) // in place is fine without reordering
	if c, err := ConventionByName("caffe"); err != nil || c.Scale != 255 {
		t.Errorf("ConventionByName(caffe) = %+v, %v", c, err)
	}
	if _, err := ConventionByName("keras"); err == nil {
		t.Error("ConventionByName(keras) succeeded")
	}
}
