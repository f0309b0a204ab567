package stylize

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randomImage(r *rand.Rand, w, h int, scale [3]float32, offset [3]float32) *Image {
	im := NewImage(w, h)
	n := w * h
	for i := 0; i < n; i++ {
		a, b, c := float32(r.NormFloat64()), float32(r.NormFloat64()), float32(r.NormFloat64())
		// correlated channels, so the covariance has off-diagonal terms
		im.Pix[i] = offset[0] + scale[0]*a
		im.Pix[n+i] = offset[1] + scale[1]*(0.6*a+0.8*b)
		im.Pix[2*n+i] = offset[2] + scale[2]*(0.5*b+0.5*c)
	}
	return im
}

func TestMatchHistogramMatchesMoments(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	style := randomImage(r, 40, 30, [3]float32{0.2, 0.05, 0.1}, [3]float32{0.3, 0.6, 0.2})
	content := randomImage(r, 33, 17, [3]float32{0.05, 0.1, 0.15}, [3]float32{0.5, 0.4, 0.7})
	out := MatchHistogram(style, content)
	mo, co := moments(out)
	mc, cc := moments(content)
	for a := 0; a < 3; a++ {
		if math.Abs(mo[a]-mc[a]) > 1e-5 {
			t.Errorf("mean[%d] = %v, want %v", a, mo[a], mc[a])
		}
		for b := 0; b < 3; b++ {
			if math.Abs(co.At(a, b)-cc.At(a, b)) > 1e-5 {
				t.Errorf("cov[%d][%d] = %v, want %v", a, b, co.At(a, b), cc.At(a, b))
			}
		}
	}
	// A flat (grey) style must not blow up.
	flat := NewImage(4, 4)
	for i := range flat.Pix {
		flat.Pix[i] = 0.5
	}
	for _, v := range MatchHistogram(flat, content).Pix {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatal("flat style gave non-finite colours")
		}
	}
}

func TestKeepColoursKeepsChroma(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	content := randomImage(r, 9, 7, [3]float32{0.1, 0.1, 0.1}, [3]float32{0.5, 0.4, 0.6})
	stylised := randomImage(r, 9, 7, [3]float32{0.2, 0.2, 0.2}, [3]float32{0.3, 0.5, 0.4})
	out := KeepColours(stylised, content)
	yo, cbo, cro := toYCbCr(out)
	ys, _, _ := toYCbCr(stylised)
	_, cbc, crc := toYCbCr(content)
	for i := range yo {
		if math.Abs(float64(yo[i]-ys[i])) > 1e-5 || math.Abs(float64(cbo[i]-cbc[i])) > 1e-5 || math.Abs(float64(cro[i]-crc[i])) > 1e-5 {
			t.Fatalf("pixel %d: YCbCr (%v,%v,%v), want luma %v of the result and chroma (%v,%v) of the content",
				i, yo[i], cbo[i], cro[i], ys[i], cbc[i], crc[i])
		}
	}
}
