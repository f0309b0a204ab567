package fast

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/vkstyle/vkstyle/stylize"
)

// PreserveColor returns style with its colours moved to those of content,
// as pytorch-AdaIN's preserve_color does (its coral function): each
// image's pixels, as 3-vectors, are standardised per channel (mean, and
// the unbiased standard deviation), their "covariance" taken as
// Z·Zᵀ + I (not divided by the pixel count, exactly as that code does, so
// the images' sizes enter), and the style's standardised pixels mapped by
// √T·(√S)⁻¹ — √ the symmetric square root — then scaled and shifted by the
// content's standard deviation and mean. The result is not clamped. A
// constant channel (std 0) is standardised to 0 instead of NaN.
func PreserveColor(style, content *stylize.Image) *stylize.Image {
	s, _, _ := standardise(style)
	t, tMean, tStd := standardise(content)
	sqrtT := symSqrt(gramPlusI(t))
	sqrtS := symSqrt(gramPlusI(s))
	var inv, m mat.Dense
	if err := inv.Inverse(sqrtS); err != nil {
		// √(ZZᵀ + I) has eigenvalues ≥ 1: always invertible.
		panic("fast: PreserveColor: " + err.Error())
	}
	m.Mul(sqrtT, &inv)
	n := style.W * style.H
	out := stylize.NewImage(style.W, style.H)
	out.Name = style.Name
	for i := 0; i < n; i++ {
		for c := 0; c < 3; c++ {
			var v float64
			for k := 0; k < 3; k++ {
				v += m.At(c, k) * s[k][i]
			}
			out.Pix[c*n+i] = float32(v*tStd[c] + tMean[c])
		}
	}
	return out
}

// standardise returns im's channels standardised (x − mean)/std with the
// unbiased std, and the means and stds.
func standardise(im *stylize.Image) (z [3][]float64, mean, std [3]float64) {
	n := im.W * im.H
	for c := 0; c < 3; c++ {
		p := im.Pix[c*n : (c+1)*n]
		var sum float64
		for _, v := range p {
			sum += float64(v)
		}
		mean[c] = sum / float64(n)
		var ss float64
		for _, v := range p {
			d := float64(v) - mean[c]
			ss += d * d
		}
		if n > 1 {
			std[c] = math.Sqrt(ss / float64(n-1))
		}
		z[c] = make([]float64, n)
		if std[c] == 0 {
			continue
		}
		for i, v := range p {
			z[c][i] = (float64(v) - mean[c]) / std[c]
		}
	}
	return z, mean, std
}

// gramPlusI returns Z·Zᵀ + I for the 3 rows of z.
func gramPlusI(z [3][]float64) *mat.SymDense {
	g := mat.NewSymDense(3, nil)
	for a := 0; a < 3; a++ {
		for b := a; b < 3; b++ {
			var s float64
			for i := range z[a] {
				s += z[a][i] * z[b][i]
			}
			if a == b {
				s++
			}
			g.SetSym(a, b, s)
		}
	}
	return g
}

// symSqrt returns the symmetric square root V·diag(√λ)·Vᵀ of a symmetric
// positive definite matrix (what the reference's U·diag(√D)·Vᵀ from an
// SVD is for such a matrix).
func symSqrt(a *mat.SymDense) *mat.Dense {
	var e mat.EigenSym
	if !e.Factorize(a, true) {
		panic("fast: symSqrt: eigendecomposition failed")
	}
	var v mat.Dense
	e.VectorsTo(&v)
	vals := e.Values(nil)
	d := mat.NewDiagDense(len(vals), nil)
	for i, l := range vals {
		d.SetDiag(i, math.Sqrt(max(l, 0)))
	}
	var vd, out mat.Dense
	vd.Mul(&v, d)
	out.Mul(&vd, v.T())
	return &out
}
