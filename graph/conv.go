package graph

// Conv2DParams describes a 2-D convolution for the Backend's Conv2D
// kernels. Like torch.nn.Conv2d it is a cross-correlation:
//
//	y[n,co,oy,ox] = bias[co] + Σ_{ci,ky,kx} w[co,ci,ky,kx] · xp[n,ci,oy·S−P+ky,ox·S−P+kx]
//
// where S is Stride, P is Pad and xp reads x with padding: zero outside
// the image, or with Reflect the mirror image without repeating the edge
// (index −i ↦ i, H−1+i ↦ H−1−i), like torch's padding_mode='reflect'.
// x is N×CIn×H×W, w is COut×CIn×KH×KW, bias has COut elements and y is
// N×COut×OutH×OutW.
type Conv2DParams struct {
	N, CIn, H, W int  // input shape
	COut, KH, KW int  // output channels and kernel size
	Stride       int  // step in both directions, ≥ 1
	Pad          int  // rows and columns added on every side, ≥ 0
	Reflect      bool // reflect padding instead of zeros; needs Pad < H and Pad < W
}

// OutH returns the output height, (H + 2·Pad − KH)/Stride + 1.
func (p Conv2DParams) OutH() int { return (p.H+2*p.Pad-p.KH)/p.Stride + 1 }

// OutW returns the output width, (W + 2·Pad − KW)/Stride + 1.
func (p Conv2DParams) OutW() int { return (p.W+2*p.Pad-p.KW)/p.Stride + 1 }

// XShape returns the shape of the input.
func (p Conv2DParams) XShape() Shape { return Shape{p.N, p.CIn, p.H, p.W} }

// WShape returns the shape of the weight.
func (p Conv2DParams) WShape() Shape { return Shape{p.COut, p.CIn, p.KH, p.KW} }

// YShape returns the shape of the output.
func (p Conv2DParams) YShape() Shape { return Shape{p.N, p.COut, p.OutH(), p.OutW()} }

// Check panics with a "graph:" message if p does not describe a valid
// convolution.
func (p Conv2DParams) Check() {
	switch {
	case !p.XShape().Valid() || !p.WShape().Valid():
		panicf("Conv2D: invalid input %v or weight %v", p.XShape(), p.WShape())
	case p.Stride < 1 || p.Pad < 0:
		panicf("Conv2D: stride %d, pad %d: want stride ≥ 1, pad ≥ 0", p.Stride, p.Pad)
	case p.Reflect && (p.Pad >= p.H || p.Pad >= p.W):
		panicf("Conv2D: reflect padding %d needs an input larger than %v", p.Pad, p.XShape())
	case p.H+2*p.Pad < p.KH || p.W+2*p.Pad < p.KW:
		panicf("Conv2D: kernel %d×%d larger than padded input %v (pad %d)", p.KH, p.KW, p.XShape(), p.Pad)
	}
}

// ConvOpts are the options of Graph.Conv2D.
type ConvOpts struct {
	Stride  int  // If Stride is 0, it is defaulted to 1.
	Pad     int  // Padding on every side; default 0.
	Reflect bool // Reflect padding instead of zeros; default false.
}

// Conv2D returns the convolution of x (N×CIn×H×W) with weight w
// (COut×CIn×KH×KW) plus bias (COut elements, any shape; nil for none).
// See Conv2DParams for the exact definition.
//
// Backward issues the data gradient if x needs one, and the weight and
// bias gradients only if w or bias is a Variable: frozen VGG weights cost
// no backward-weight kernels, and x is then not kept alive for them.
func (g *Graph) Conv2D(x, w, bias *Tensor, o ConvOpts) *Tensor {
	g.begin("Conv2D", x, w, bias)
	if o.Stride == 0 {
		o.Stride = 1
	}
	xs, ws := x.shape, w.shape
	if xs.C != ws.C {
		panicf("Conv2D: input %s is %v but weight %s is %v: %d channels ≠ %d",
			x.name, xs, w.name, ws, xs.C, ws.C)
	}
	if bias != nil && bias.shape.Len() != ws.N {
		panicf("Conv2D: bias %s is %v, want %d elements for weight %v", bias.name, bias.shape, ws.N, ws)
	}
	p := Conv2DParams{N: xs.N, CIn: xs.C, H: xs.H, W: xs.W, COut: ws.N, KH: ws.H, KW: ws.W,
		Stride: o.Stride, Pad: o.Pad, Reflect: o.Reflect}
	p.Check()
	y := g.output("conv", p.YShape(), x, w, bias)
	g.emit("Conv2DForward", false, list(x, w, bias), list(y), func(b Backend) {
		b.Conv2DForward(x.buf, w.buf, bufOf(bias), y.buf, p)
	})
	g.record(list(x, w, bias), list(y), func(gout []*Tensor) {
		gy := gout[0]
		if x.requiresGrad {
			gx := g.gradOf(x)
			g.emit("Conv2DBackwardData", true, list(gy, w), list(gx), func(b Backend) {
				b.Conv2DBackwardData(gy.buf, w.buf, gx.buf, p)
			})
		}
		if w.requiresGrad {
			gw := g.gradOf(w)
			g.emit("Conv2DBackwardWeight", true, list(x, gy), list(gw), func(b Backend) {
				b.Conv2DBackwardWeight(x.buf, gy.buf, gw.buf, p)
			})
		}
		if bias != nil && bias.requiresGrad {
			gb := g.gradOf(bias)
			g.emit("Conv2DBackwardBias", true, list(gy), list(gb), func(b Backend) {
				b.Conv2DBackwardBias(gy.buf, gb.buf, p)
			})
		}
	})
	return y
}

// bufOf returns t's buffer, or nil for a nil tensor.
func bufOf(t *Tensor) Buffer {
	if t == nil {
		return nil
	}
	return t.buf
}
