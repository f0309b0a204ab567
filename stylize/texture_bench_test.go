package stylize

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/dsp/fourier"

	"github.com/vkstyle/vkstyle/vgg"
)

// BenchmarkTextureSynthesis synthesises two textures from uniform noise
// (content weight 0) with the Gram loss, the sliced Wasserstein loss and the
// Wasserstein-2 loss, on
// the embedded network, and reports how far each result is from its
// texture: hist, the total variation distance between their colour
// histograms (8 bins a channel; 0 is equal, 1 disjoint), and spectrum,
// the RMS difference of their radially averaged log10 power spectra
// (luminance). Run once:
//
//	go test ./stylize -run '^$' -bench TextureSynthesis -benchtime 1x -timeout 60m
func BenchmarkTextureSynthesis(b *testing.B) {
	const side = 128
	textures := map[string]*Image{"swirls": SampleStyle(side, side), "dots": dots(side, side, 3)}
	for _, name := range []string{"swirls", "dots"} {
		for _, loss := range []string{"gram", "sw", "w2"} {
			b.Run(name+"/"+loss, func(b *testing.B) {
				eng := gpuEngine(&testing.T{})
				m := FromNet("embedded", vgg.NewRandom(0))
				defer m.Close()
				// From uniform noise (crowsonkb's "uniform" init): from
				// neural-style's near-flat random start L-BFGS barely moves.
				o := Options{Size: side, Iterations: 100, Init: "noise", NoDefaults: true, StyleWeight: 1e6, TVWeight: 1e-5,
					ContentLayers: []Layer{{"relu3_1", 0}}, Seed: 1}
				switch loss {
				case "sw":
					o.StyleLoss, o.StyleWeight = "sw", 20
				case "w2":
					o.StyleLoss, o.StyleWeight = "w2", 3
				}
				var im *Image
				for range b.N {
					var err error
					r := Request{Content: textures[name], Styles: []*Image{textures[name]}, Init: noise(side, side, 1), Options: o}
					if im, err = Run(context.Background(), eng, m, r); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(histDistance(im, textures[name]), "hist")
				b.ReportMetric(spectrumDistance(im, textures[name]), "spectrum")
			})
		}
	}
}

// noise is uniform noise in [0, 1].
func noise(w, h int, seed uint64) *Image {
	r := rand.New(rand.NewPCG(seed, 2))
	im := NewImage(w, h)
	for i := range im.Pix {
		im.Pix[i] = r.Float32()
	}
	return im
}

// dots is a texture of random coloured discs on a dark ground.
func dots(w, h int, seed uint64) *Image {
	r := rand.New(rand.NewPCG(seed, 1))
	im := NewImage(w, h)
	for i := range im.Pix {
		im.Pix[i] = 0.1
	}
	for range w * h / 60 {
		cx, cy, rad := r.Float64()*float64(w), r.Float64()*float64(h), 2+r.Float64()*4
		col := [3]float32{r.Float32(), r.Float32(), r.Float32()}
		for y := range h {
			for x := range w {
				if dx, dy := float64(x)-cx, float64(y)-cy; dx*dx+dy*dy <= rad*rad {
					for c := range 3 {
						im.Set(c, x, y, col[c])
					}
				}
			}
		}
	}
	return im
}

// histDistance is the total variation distance between the colour
// histograms of a and b, 8 bins a channel.
func histDistance(a, b *Image) float64 {
	hist := func(im *Image) []float64 {
		h := make([]float64, 512)
		n := im.W * im.H
		bin := func(v float32) int { return min(7, max(0, int(v*8))) }
		for i := range n {
			h[bin(im.Pix[i])*64+bin(im.Pix[n+i])*8+bin(im.Pix[2*n+i])] += 1 / float64(n)
		}
		return h
	}
	ha, hb := hist(a), hist(b)
	d := 0.0
	for i := range ha {
		d += math.Abs(ha[i] - hb[i])
	}
	return d / 2
}

// spectrumDistance is the RMS difference of the radially averaged log10
// power spectra of a's and b's luminance (equal sizes), DC left out.
func spectrumDistance(a, b *Image) float64 {
	sa, sb := radialSpectrum(a), radialSpectrum(b)
	var s float64
	for i := 1; i < len(sa); i++ {
		d := math.Log10(sa[i]+1e-12) - math.Log10(sb[i]+1e-12)
		s += d * d
	}
	return math.Sqrt(s / float64(len(sa)-1))
}

// radialSpectrum is the power spectrum of im's luminance averaged over
// rings of integer radius (in cycles per image, up to half the shorter
// side).
func radialSpectrum(im *Image) []float64 {
	w, h, n := im.W, im.H, im.W*im.H
	grid := make([][]complex128, h)
	rows := fourier.NewCmplxFFT(w)
	for y := range h {
		row := make([]complex128, w)
		for x := range w {
			i := y*w + x
			row[x] = complex(float64(0.299*im.Pix[i]+0.587*im.Pix[n+i]+0.114*im.Pix[2*n+i]), 0)
		}
		grid[y] = rows.Coefficients(nil, row)
	}
	cols := fourier.NewCmplxFFT(h)
	col := make([]complex128, h)
	power := make([][]float64, h)
	for y := range power {
		power[y] = make([]float64, w)
	}
	for x := range w {
		for y := range h {
			col[y] = grid[y][x]
		}
		out := cols.Coefficients(nil, col)
		for y := range h {
			power[y][x] = real(out[y])*real(out[y]) + imag(out[y])*imag(out[y])
		}
	}
	rmax := min(w, h) / 2
	sum, cnt := make([]float64, rmax), make([]float64, rmax)
	for y := range h {
		fy := float64(min(y, h-y))
		for x := range w {
			fx := float64(min(x, w-x))
			if r := int(math.Round(math.Hypot(fx, fy))); r < rmax {
				sum[r] += power[y][x]
				cnt[r]++
			}
		}
	}
	for i := range sum {
		sum[i] /= math.Max(cnt[i], 1)
	}
	return sum
}

// The distances are 0 for an image and itself and grow as an image
// departs from a texture.
func TestTextureDistances(t *testing.T) {
	a := dots(64, 64, 3)
	if d := histDistance(a, a); d != 0 {
		t.Errorf("histDistance(a, a) = %v", d)
	}
	if d := spectrumDistance(a, a); d != 0 {
		t.Errorf("spectrumDistance(a, a) = %v", d)
	}
	blur := a.Resize(16, 16).Resize(64, 64)
	other := dots(64, 64, 4)
	if !(spectrumDistance(a, blur) > 2*spectrumDistance(a, other)) {
		t.Errorf("a blurred copy's spectrum is %v away, another texture of the same kind %v", spectrumDistance(a, blur), spectrumDistance(a, other))
	}
	if !(histDistance(a, SampleStyle(64, 64)) > 1.5*histDistance(a, other)) {
		t.Errorf("the swirls' colours are %v away, another dots texture's %v", histDistance(a, SampleStyle(64, 64)), histDistance(a, other))
	}
}
