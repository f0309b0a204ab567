package graph

// StatsParams describes per-channel statistics of an N×C×H×W tensor: for
// each (n, c), over its H·W elements,
//
//	mean = Σ x / (H·W)
//	std  = sqrt(Σ (x − mean)² / (H·W) + Eps)
//
// the biased (population) standard deviation, like torch's
// x.var(dim=(2,3), unbiased=False) with Eps added under the root; with
// Eps = 0 it is x.std(dim=(2,3), unbiased=False). Biased, so that a 1×1
// map is defined. With Unbiased the divisor is H·W − 1 instead, torch's
// default x.var(dim=(2,3)) — the statistics of AdaIN (Huang & Belongie
// 2017, as their code computes them); it needs H·W ≥ 2.
type StatsParams struct {
	N, C, H, W int
	Eps        float32 // added to the variance; ≥ 0
	Unbiased   bool    // divide the squared deviations by H·W − 1
}

// Divisor returns what the sum of squared deviations is divided by: H·W,
// or H·W − 1 when Unbiased.
func (p StatsParams) Divisor() int {
	if p.Unbiased {
		return p.H*p.W - 1
	}
	return p.H * p.W
}

// Shape returns the shape of the input, N×C×H×W.
func (p StatsParams) Shape() Shape { return Shape{p.N, p.C, p.H, p.W} }

// Check panics with a "graph:" message unless the shape is valid and Eps
// is not negative.
func (p StatsParams) Check() {
	if !p.Shape().Valid() || !(p.Eps >= 0) {
		panicf("ChannelMeanStd: invalid shape %v or eps %g", p.Shape(), p.Eps)
	}
	if p.Unbiased && p.H*p.W < 2 {
		panicf("ChannelMeanStd: the unbiased variance of a %v plane of one element is undefined", p.Shape())
	}
}

// ChannelMeanStd returns the per-channel mean and standard deviation of x,
// each N×C×1×1; see StatsParams. eps keeps the gradient finite for a
// constant channel (1e-5 is usual); with eps = 0 a constant channel gets
// zero gradient through std rather than torch's NaN.
func (g *Graph) ChannelMeanStd(x *Tensor, eps float32) (mean, std *Tensor) {
	return g.channelMeanStd(x, eps, false)
}

// ChannelMeanStdUnbiased is ChannelMeanStd with the unbiased variance
// (divisor H·W − 1), as AdaIN computes its statistics; x's planes need at
// least two elements.
func (g *Graph) ChannelMeanStdUnbiased(x *Tensor, eps float32) (mean, std *Tensor) {
	return g.channelMeanStd(x, eps, true)
}

func (g *Graph) channelMeanStd(x *Tensor, eps float32, unbiased bool) (mean, std *Tensor) {
	g.begin("ChannelMeanStd", x)
	s := x.shape
	p := StatsParams{N: s.N, C: s.C, H: s.H, W: s.W, Eps: eps, Unbiased: unbiased}
	p.Check()
	mean = g.output("mean", Shape{s.N, s.C, 1, 1}, x)
	std = g.output("std", Shape{s.N, s.C, 1, 1}, x)
	g.emit("ChannelMeanStdForward", false, list(x), list(mean, std), func(b Backend) {
		b.ChannelMeanStdForward(x.buf, mean.buf, std.buf, p)
	})
	g.record(list(x), list(mean, std), func(gout []*Tensor) {
		gm, gs, gx := gout[0], gout[1], g.gradOf(x)
		g.emit("ChannelMeanStdBackward", true, list(x, mean, std, gm, gs), list(gx), func(b Backend) {
			b.ChannelMeanStdBackward(x.buf, mean.buf, std.buf, gm.buf, gs.buf, gx.buf, p)
		})
	})
	return mean, std
}
