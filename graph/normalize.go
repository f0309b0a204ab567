package graph

import "math"

// NormalizeGrad returns x unchanged and rescales the gradient flowing back
// through it to unit L1 norm: neural-style's -normalize_gradients
// (jcjohnson/neural-style, neural_style.lua), where ContentLoss and
// StyleLoss divide their gradient v by torch.norm(v, 1) + 1e-8 before
// multiplying it by the loss's strength. Put it between a feature map and
// its loss term, the term weighted by w in the WeightedSum that makes the
// total loss:
//
//	loss := g.WeightedSum([]*Tensor{g.MSE(g.NormalizeGrad(f, w, 1e-8), t), …}, []float32{w, …})
//
// Forward it is a Copy. Backward, with gy the gradient of its output, it
// accumulates
//
//	dx += gy·|w| / (‖gy‖₁ + |w|·eps)
//
// (kernels AbsSum and AxpyNormalized). The weight is applied downstream, so
// gy = w·v with v the gradient of the unweighted term, and the
// contribution is w·v/(‖v‖₁ + eps): exactly neural-style's
// strength·v/(‖v‖₁ + 1e-8). Up to eps the result is |w|·gy/‖gy‖₁ whatever
// scale gy has; passing the term's weight as w makes eps act as
// neural-style's. eps must be positive (1e-8 is neural-style's), so a zero
// gradient stays zero rather than 0/0. With w = 0 the term contributes
// nothing and no backward kernels are issued.
//
// The backward is not the gradient of any function of x (the rescaling
// depends on gy), so a graph using NormalizeGrad does not descend its
// loss exactly, as in neural-style; finite differences do not check it.
func (g *Graph) NormalizeGrad(x *Tensor, w, eps float32) *Tensor {
	g.begin("NormalizeGrad", x)
	if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) || !(eps > 0) || math.IsInf(float64(eps), 0) {
		panicf("NormalizeGrad: weight %g must be finite and eps %g positive and finite", w, eps)
	}
	y := g.output("normgrad", x.shape, x)
	g.emit("Copy", false, list(x), list(y), func(b Backend) { b.Copy(y.buf, x.buf) })
	aw := float32(math.Abs(float64(w)))
	if aw == 0 {
		return y
	}
	g.record(list(x), list(y), func(gout []*Tensor) {
		gy, gx := gout[0], g.gradOf(x)
		norm := g.output("l1norm", Scalar)
		g.emit("AbsSum", false, list(gy), list(norm), func(b Backend) { b.AbsSum(gy.buf, norm.buf) })
		g.emit("AxpyNormalized", true, list(gy, norm), list(gx), func(b Backend) {
			b.AxpyNormalized(gy.buf, norm.buf, gx.buf, aw, eps)
		})
	})
	return y
}
