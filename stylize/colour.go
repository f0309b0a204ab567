package stylize

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// BT.601 luma weights, as in JPEG's YCbCr.
const (
	lumaR, lumaG, lumaB = 0.299, 0.587, 0.114
)

// toYCbCr returns the luma and the two chroma planes of im (BT.601,
// full range, chroma centred on 0).
func toYCbCr(im *Image) (y, cb, cr []float32) {
	n := im.W * im.H
	y, cb, cr = make([]float32, n), make([]float32, n), make([]float32, n)
	for i := 0; i < n; i++ {
		r, g, b := float64(im.Pix[i]), float64(im.Pix[n+i]), float64(im.Pix[2*n+i])
		l := lumaR*r + lumaG*g + lumaB*b
		y[i] = float32(l)
		cb[i] = float32((b - l) / (2 * (1 - lumaB)))
		cr[i] = float32((r - l) / (2 * (1 - lumaR)))
	}
	return y, cb, cr
}

func fromYCbCr(w, h int, y, cb, cr []float32) *Image {
	im := NewImage(w, h)
	n := w * h
	for i := 0; i < n; i++ {
		l, u, v := float64(y[i]), float64(cb[i]), float64(cr[i])
		r := l + 2*(1-lumaR)*v
		b := l + 2*(1-lumaB)*u
		g := (l - lumaR*r - lumaB*b) / lumaG
		im.Pix[i], im.Pix[n+i], im.Pix[2*n+i] = float32(r), float32(g), float32(b)
	}
	return im
}

// KeepColours returns the luminance of stylised with the chroma of content
// (same size): the "original colours" option of neural-style, luminance-
// only transfer after Gatys et al. 2016, "Preserving color in neural
// artistic style transfer", §2 — here applied to the result, in YCbCr.
func KeepColours(stylised, content *Image) *Image {
	if stylised.W != content.W || stylised.H != content.H {
		panic(fmt.Sprintf("stylize: KeepColours of %d×%d and %d×%d images", stylised.W, stylised.H, content.W, content.H))
	}
	y, _, _ := toYCbCr(stylised)
	_, cb, cr := toYCbCr(content)
	return fromYCbCr(content.W, content.H, y, cb, cr)
}

// moments returns the mean colour and the 3×3 colour covariance of im.
func moments(im *Image) ([3]float64, *mat.SymDense) {
	n := im.W * im.H
	var mean [3]float64
	for c := 0; c < 3; c++ {
		s := 0.0
		for _, v := range im.Pix[c*n : (c+1)*n] {
			s += float64(v)
		}
		mean[c] = s / float64(n)
	}
	cov := mat.NewSymDense(3, nil)
	for a := 0; a < 3; a++ {
		for b := a; b < 3; b++ {
			s := 0.0
			for i := 0; i < n; i++ {
				s += (float64(im.Pix[a*n+i]) - mean[a]) * (float64(im.Pix[b*n+i]) - mean[b])
			}
			cov.SetSym(a, b, s/float64(n))
		}
	}
	return mean, cov
}

// symPow returns S^p for a symmetric positive semi-definite S, through its
// eigendecomposition; eigenvalues below eps are raised to eps so the
// inverse square root of a flat (e.g. grey) image stays finite.
func symPow(s *mat.SymDense, p, eps float64) *mat.Dense {
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		panic("stylize: eigendecomposition of a colour covariance failed")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	d := mat.NewDiagDense(3, nil)
	for i, v := range vals {
		d.SetDiag(i, math.Pow(math.Max(v, eps), p))
	}
	var out, tmp mat.Dense
	tmp.Mul(&vecs, d)
	out.Mul(&tmp, vecs.T())
	return &out
}

// MatchHistogram returns style with its colours transformed so that their
// mean and covariance equal those of content: x' = Σc^½ Σs^-½ (x − μs) + μc,
// the linear colour transfer of Gatys et al. 2016, "Preserving color in
// neural artistic style transfer", §2 (the symmetric "image analogies"
// square root). Samples are not clamped, so the moments match exactly;
// the optimisation and Save clamp later.
func MatchHistogram(style, content *Image) *Image {
	ms, cs := moments(style)
	mc, cc := moments(content)
	const eps = 1e-8
	var a mat.Dense
	a.Mul(symPow(cc, 0.5, eps), symPow(cs, -0.5, eps))
	out := NewImage(style.W, style.H)
	n := style.W * style.H
	for i := 0; i < n; i++ {
		var d [3]float64
		for c := 0; c < 3; c++ {
			d[c] = float64(style.Pix[c*n+i]) - ms[c]
		}
		for r := 0; r < 3; r++ {
			v := mc[r]
			for c := 0; c < 3; c++ {
				v += a.At(r, c) * d[c]
			}
			out.Pix[r*n+i] = float32(v)
		}
	}
	return out
}
