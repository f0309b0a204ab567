package graph

// PoolShape returns the output shape of a 2×2, stride-2 pooling of s:
// N×C×⌊H/2⌋×⌊W/2⌋. It panics if H or W is below 2.
func PoolShape(s Shape) Shape {
	if s.H < 2 || s.W < 2 {
		panicf("pool 2×2: input %v is smaller than 2×2", s)
	}
	return Shape{s.N, s.C, s.H / 2, s.W / 2}
}

// PoolShapeCeil returns the output shape of a 2×2, stride-2 pooling of s
// in ceil mode: N×C×⌈H/2⌉×⌈W/2⌉, a trailing odd row or column pooled on
// its own. It panics if H or W is below 2.
func PoolShapeCeil(s Shape) Shape {
	if s.H < 2 || s.W < 2 {
		panicf("pool 2×2: input %v is smaller than 2×2", s)
	}
	return Shape{s.N, s.C, (s.H + 1) / 2, (s.W + 1) / 2}
}

// MaxPool2x2Ceil is MaxPool2x2 in ceil mode (torch's
// max_pool2d(x, 2, ceil_mode=True), as AdaIN's encoder pools): a trailing
// odd row or column forms windows of its own, whose maximum is over the
// elements inside the image; the output is N×C×⌈H/2⌉×⌈W/2⌉.
func (g *Graph) MaxPool2x2Ceil(x *Tensor) *Tensor {
	return g.maxPool("MaxPool2x2Ceil", x, PoolShapeCeil(x.shape), Backend.MaxPool2x2CeilForward, Backend.MaxPool2x2CeilBackward)
}

// MaxPool2x2 returns the maximum of each 2×2 window of x with stride 2
// (torch's max_pool2d(x, 2), floor mode). Its backward sends each
// window's gradient to the first maximum in scan order, like torch.
func (g *Graph) MaxPool2x2(x *Tensor) *Tensor {
	return g.maxPool("MaxPool2x2", x, PoolShape(x.shape), Backend.MaxPool2x2Forward, Backend.MaxPool2x2Backward)
}

// maxPool adds max pooling op (floor or ceil mode, by out and the
// kernels) to g.
func (g *Graph) maxPool(op string, x *Tensor, out Shape,
	fwd func(Backend, Buffer, Buffer, Shape), bwd func(Backend, Buffer, Buffer, Buffer, Shape)) *Tensor {
	g.begin(op, x)
	s := x.shape
	y := g.output("maxpool", out, x)
	g.emit(op+"Forward", false, list(x), list(y), func(b Backend) { fwd(b, x.buf, y.buf, s) })
	g.record(list(x), list(y), func(gout []*Tensor) {
		gy, gx := gout[0], g.gradOf(x)
		g.emit(op+"Backward", true, list(x, gy), list(gx), func(b Backend) { bwd(b, x.buf, gy.buf, gx.buf, s) })
	})
	return y
}

// L2Pool2x2 returns scale times the L2 norm of each 2×2 window of x with
// stride 2 (floor mode): torch's LPPool2d(2, 2) times scale, the pooling
// crowsonkb/style-transfer-pytorch offers as -pooling l2 (with scale
// 0.78, which keeps VGG's activations near their max-pooled size). Its
// backward sends dy·scale·x/‖window‖ to each element; a window of zeros
// (common after a ReLU) gets no gradient, as in torch.
func (g *Graph) L2Pool2x2(x *Tensor, scale float32) *Tensor {
	g.begin("L2Pool2x2", x)
	s := x.shape
	y := g.output("l2pool", PoolShape(s), x)
	g.emit("L2Pool2x2Forward", false, list(x), list(y), func(b Backend) { b.L2Pool2x2Forward(x.buf, y.buf, s, scale) })
	g.record(list(x), list(y), func(gout []*Tensor) {
		gy, gx := gout[0], g.gradOf(x)
		g.emit("L2Pool2x2Backward", true, list(x, gy), list(gx), func(b Backend) {
			b.L2Pool2x2Backward(x.buf, gy.buf, gx.buf, s, scale)
		})
	})
	return y
}

// AvgPool2x2 returns the mean of each 2×2 window of x with stride 2
// (torch's avg_pool2d(x, 2), floor mode). Gatys et al. (2015) report that
// average pooling in place of max pooling gives slightly more appealing
// results.
func (g *Graph) AvgPool2x2(x *Tensor) *Tensor {
	g.begin("AvgPool2x2", x)
	s := x.shape
	y := g.output("avgpool", PoolShape(s), x)
	g.emit("AvgPool2x2Forward", false, list(x), list(y), func(b Backend) { b.AvgPool2x2Forward(x.buf, y.buf, s) })
	g.record(list(x), list(y), func(gout []*Tensor) {
		gy, gx := gout[0], g.gradOf(x)
		g.emit("AvgPool2x2Backward", true, list(gy), list(gx), func(b Backend) {
			b.AvgPool2x2Backward(gy.buf, gx.buf, s)
		})
	})
	return y
}
