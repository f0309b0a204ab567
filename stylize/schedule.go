package stylize

import "math"

// Scale is one stage of a coarse-to-fine run: the longer side in pixels
// and the iterations spent there.
type Scale struct {
	Side       int
	Iterations int
}

// minAutoSide is where an automatic schedule starts, as crowsonkb's
// style-transfer-pytorch does (its min_scale).
const minAutoSide = 128

// Schedule returns the scales of a run, smallest first, ending at o.Size:
// each scale is √2 times the one before (twice the pixels). The smallest
// scale runs o.Iterations and each larger one 1/√2 as many (at least 1),
// because a larger scale starts from an image that is already
// nearly stylised and each of its iterations costs twice as much.
// With o.Auto the number of scales is the count of √2 steps from about 128
// pixels up to Size; otherwise it is o.Scales.
func Schedule(o Options) []Scale {
	n := o.Scales
	if o.Auto {
		n = 1
		if o.Size > minAutoSide {
			n = int(math.Floor(2*math.Log2(float64(o.Size)/minAutoSide)+1e-9)) + 1
		}
	}
	if n < 1 {
		n = 1
	}
	out := make([]Scale, n)
	for i := range out {
		steps := n - 1 - i // √2 steps below Size
		side := int(math.Round(float64(o.Size) / math.Pow(2, float64(steps)/2)))
		iters := int(math.Round(float64(o.Iterations) / math.Pow(2, float64(i)/2)))
		out[i] = Scale{Side: max(side, 16), Iterations: max(iters, 1)}
	}
	return out
}
