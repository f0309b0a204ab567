package vkgraph

import "github.com/vkstyle/vkstyle/graph"

// The floating-point work of the matrix-product kernels, declared to the
// batch (gpu.Batch.Work) before they are recorded, so that an evaluation
// is cut into submissions of at most the device's budget
// (gpu.Options.SubmitGFLOP) between operations. The element-wise kernels
// are not counted: next to the convolutions they are a rounding error.

// convFLOPs is the work of one convolution pass over p (forward,
// backward-data or backward-weight): a multiply and an add per weight per
// output pixel.
func convFLOPs(p graph.Conv2DParams) float64 {
	return 2 * float64(p.N) * float64(p.COut) * float64(p.OutH()*p.OutW()) * float64(p.CIn*p.KH*p.KW)
}

// gramFLOPs is the work of a Gram pass over features of shape s (forward
// or backward): a multiply and an add per pair of channels per pixel.
func gramFLOPs(s graph.Shape) float64 {
	return 2 * float64(s.N) * float64(s.C) * float64(s.C) * float64(s.H*s.W)
}
