package graph

// AffineParams describes a per-channel affine normalisation of an
// N×C×H×W tensor x, given per-plane statistics mean and std (N×C each)
// and a scale and shift:
//
//	y[n,c,i] = (x[n,c,i] − mean[n,c]) / std[n,c] · scale[k] + shift[k]
//
// where k = c when PerImage is false (scale and shift have C elements,
// shared by every image of the batch: InstanceNorm2d's affine weight and
// bias) and k = n·C + c when it is true (N·C elements: the target
// statistics of AdaIN, one set per image). std must be positive; the
// callers take it from ChannelMeanStd with Eps > 0.
type AffineParams struct {
	N, C, H, W int
	PerImage   bool
}

// Shape returns the shape of x and y.
func (p AffineParams) Shape() Shape { return Shape{p.N, p.C, p.H, p.W} }

// ScaleLen returns the number of elements of scale and shift: C, or N·C
// when PerImage.
func (p AffineParams) ScaleLen() int {
	if p.PerImage {
		return p.N * p.C
	}
	return p.C
}

// Check panics with a "graph:" message unless the shape is valid.
func (p AffineParams) Check() {
	if !p.Shape().Valid() {
		panicf("ChannelAffine: invalid shape %v", p.Shape())
	}
}

// ChannelAffine returns (x − mean)/std·scale + shift per channel; see
// AffineParams. mean and std have N·C elements (from ChannelMeanStd);
// scale and shift have C elements (one per channel) or N·C (one per
// image and channel), any shape. Gradients flow to all five inputs, so
// with mean and std from ChannelMeanStd(x) the whole normalisation is
// differentiated.
func (g *Graph) ChannelAffine(x, mean, std, scale, shift *Tensor) *Tensor {
	g.begin("ChannelAffine", x, mean, std, scale, shift)
	s := x.shape
	p := AffineParams{N: s.N, C: s.C, H: s.H, W: s.W}
	p.Check()
	nc := s.N * s.C
	for _, t := range []*Tensor{mean, std} {
		if t.shape.Len() != nc {
			panicf("ChannelAffine: %s is %v, want %d elements (N·C of %s)", t.name, t.shape, nc, x)
		}
	}
	if scale.shape.Len() != shift.shape.Len() {
		panicf("ChannelAffine: scale %s and shift %s differ in length", scale, shift)
	}
	switch scale.shape.Len() {
	case s.C:
	case nc:
		p.PerImage = true
	default:
		panicf("ChannelAffine: scale %s has %d elements, want %d (per channel) or %d (per image and channel) for %s",
			scale, scale.shape.Len(), s.C, nc, x)
	}
	y := g.output("affine", s, x, mean, std, scale, shift)
	g.emit("ChannelAffineForward", false, list(x, mean, std, scale, shift), list(y), func(b Backend) {
		b.ChannelAffineForward(x.buf, mean.buf, std.buf, scale.buf, shift.buf, y.buf, p)
	})
	g.record(list(x, mean, std, scale, shift), list(y), func(gout []*Tensor) {
		gy := gout[0]
		if x.requiresGrad {
			gx := g.gradOf(x)
			g.emit("ChannelAffineBackwardData", true, list(gy, std, scale), list(gx), func(b Backend) {
				b.ChannelAffineBackwardData(gy.buf, std.buf, scale.buf, gx.buf, p)
			})
		}
		if mean.requiresGrad || std.requiresGrad {
			gm, gs := g.gradOf(mean), g.gradOf(std)
			g.emit("ChannelAffineBackwardStats", true, list(x, mean, std, scale, gy), list(gm, gs), func(b Backend) {
				b.ChannelAffineBackwardStats(x.buf, mean.buf, std.buf, scale.buf, gy.buf, gm.buf, gs.buf, p)
			})
		}
		if scale.requiresGrad || shift.requiresGrad {
			gsc, gsh := g.gradOf(scale), g.gradOf(shift)
			g.emit("ChannelAffineBackwardScale", true, list(x, mean, std, gy), list(gsc, gsh), func(b Backend) {
				b.ChannelAffineBackwardScale(x.buf, mean.buf, std.buf, gy.buf, gsc.buf, gsh.buf, p)
			})
		}
	})
	return y
}

// InstanceNorm returns torch.nn.InstanceNorm2d(affine=True) of x with
// weight and bias (C elements each): every (n, c) plane normalised by its
// own mean and biased standard deviation with eps under the root (1e-5 in
// torch), then scaled and shifted per channel. It is ChannelMeanStd
// followed by ChannelAffine.
func (g *Graph) InstanceNorm(x, weight, bias *Tensor, eps float32) *Tensor {
	mean, std := g.ChannelMeanStd(x, eps)
	return g.ChannelAffine(x, mean, std, weight, bias)
}
