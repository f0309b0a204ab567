package stylize

import "math"

// The default run's pictures, drawn by code so that vkstyle runs with no
// input files: a small landscape to stylise and a swirling painting-like
// pattern to take the style from. Both are deterministic.

// SampleContent returns a w×h landscape: sky, sun, hills, a house and a tree.
func SampleContent(w, h int) *Image {
	im := NewImage(w, h)
	fw, fh := float64(w), float64(h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			u, v := float64(x)/fw, float64(y)/fh
			// sky: deep blue at the top to pale near the horizon
			r, g, b := 0.35+0.45*v, 0.55+0.35*v, 0.95-0.1*v
			// sun
			if d := math.Hypot(u-0.78, (v-0.2)*fh/fw); d < 0.08 {
				r, g, b = 1, 0.85, 0.3
			} else if d < 0.12 {
				t := (d - 0.08) / 0.04
				r, g, b = mix(1, r, t), mix(0.9, g, t), mix(0.6, b, t)
			}
			// two rows of hills
			if v > 0.55+0.06*math.Sin(7*u+1) {
				r, g, b = 0.25, 0.55+0.1*math.Sin(30*u)*math.Sin(20*v), 0.25
			}
			if v > 0.7+0.04*math.Sin(11*u+3) {
				r, g, b = 0.35, 0.65, 0.2
			}
			// a house: wall, roof, door and window
			switch {
			case u > 0.2 && u < 0.42 && v > 0.5 && v < 0.78:
				r, g, b = 0.85, 0.3, 0.2
				if (u > 0.28 && u < 0.33 && v > 0.64) || (u > 0.35 && u < 0.4 && v > 0.56 && v < 0.64) {
					r, g, b = 0.3, 0.2, 0.15
				}
			case v > 0.32 && v <= 0.5 && math.Abs(u-0.31) < (v-0.32)*0.7:
				r, g, b = 0.35, 0.2, 0.2
			}
			// a tree: trunk and crown
			if u > 0.6 && u < 0.63 && v > 0.58 && v < 0.8 {
				r, g, b = 0.4, 0.25, 0.1
			}
			if math.Hypot(u-0.615, (v-0.5)*fh/fw) < 0.08 {
				r, g, b = 0.1, 0.45+0.15*math.Sin(60*u*v), 0.15
			}
			im.Set(0, x, y, float32(r))
			im.Set(1, x, y, float32(g))
			im.Set(2, x, y, float32(b))
		}
	}
	return im
}

// SampleStyle returns a w×h swirling pattern of blue and yellow strokes,
// loosely after a starry night: a flow field of vortices whose streamlines
// are striped like brush strokes.
func SampleStyle(w, h int) *Image {
	im := NewImage(w, h)
	centres := [][3]float64{{0.3, 0.35, 1}, {0.7, 0.25, -1}, {0.55, 0.7, 1}, {0.15, 0.8, -1}}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			u, v := float64(x)/float64(w), float64(y)/float64(h)
			// stream function of a few vortices
			psi := 0.0
			for _, c := range centres {
				d := math.Hypot(u-c[0], v-c[1])
				psi += c[2] * math.Log(d+0.05)
			}
			stroke := 0.5 + 0.5*math.Sin(40*psi+3*math.Sin(25*u))
			glow := 0.0
			for _, c := range centres[:2] {
				glow += math.Exp(-math.Pow(math.Hypot(u-c[0], v-c[1])/0.07, 2))
			}
			r := mix(0.1, 0.3, stroke) + 0.9*glow
			g := mix(0.2, 0.45, stroke) + 0.8*glow
			b := mix(0.45, 0.85, stroke) + 0.1*glow
			if stroke > 0.85 { // light dabs along the streamlines
				r, g, b = 0.95, 0.85, 0.4
			}
			im.Set(0, x, y, float32(math.Min(r, 1)))
			im.Set(1, x, y, float32(math.Min(g, 1)))
			im.Set(2, x, y, float32(math.Min(b, 1)))
		}
	}
	return im
}

func mix(a, b, t float64) float64 { return a + (b-a)*t }
