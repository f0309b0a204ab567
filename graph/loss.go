package graph

// MSE returns the Scalar mean squared error Σ (x−t)² / n over all n
// elements, like torch.nn.functional.mse_loss. The target t must be a
// Constant or computed only from Constants: it gets no gradient. Gatys et
// al. (2015) use a squared error for both the content loss (eq. 1) and the
// style loss (eqs. 4–5, on Gram matrices).
func (g *Graph) MSE(x, t *Tensor) *Tensor {
	g.begin("MSE", x, t)
	if x.shape != t.shape {
		panicf("MSE: input %s is %v but target %s is %v", x.name, x.shape, t.name, t.shape)
	}
	if t.requiresGrad {
		panicf("MSE: target %s requires a gradient; targets must be constant", t.name)
	}
	y := g.output("mse", Scalar, x)
	g.emit("MSEForward", false, list(x, t), list(y), func(b Backend) { b.MSEForward(x.buf, t.buf, y.buf) })
	g.record(list(x), list(y), func(gout []*Tensor) {
		gy, gx := gout[0], g.gradOf(x)
		g.emit("MSEBackward", true, list(x, t, gy), list(gx), func(b Backend) {
			b.MSEBackward(x.buf, t.buf, gy.buf, gx.buf)
		})
	})
	return y
}

// TV returns the Scalar total variation of x, the smoothness prior of
// neural-style (Mahendran & Vedaldi 2015) that Gatys et al. (2015) do not
// use but most implementations add:
//
//	TV(x) = Σ_{n,c} [ Σ_{h<H−1,w} (x[h+1,w]−x[h,w])² + Σ_{h,w<W−1} (x[h,w+1]−x[h,w])² ]
//
// the plain sum of squared differences of vertically and horizontally
// adjacent pixels, not normalised. neural-style's Lua TVLoss has gradient
// strength·∇(TV/2) restricted to the top-left (H−1)×(W−1) pixels, so its
// -tv_weight w corresponds to a weight of w/2 here (up to the border).
func (g *Graph) TV(x *Tensor) *Tensor {
	g.begin("TV", x)
	s := x.shape
	y := g.output("tv", Scalar, x)
	g.emit("TVForward", false, list(x), list(y), func(b Backend) { b.TVForward(x.buf, y.buf, s) })
	g.record(list(x), list(y), func(gout []*Tensor) {
		gy, gx := gout[0], g.gradOf(x)
		g.emit("TVBackward", true, list(x, gy), list(gx), func(b Backend) { b.TVBackward(x.buf, gy.buf, gx.buf, s) })
	})
	return y
}

// WeightedSum returns Σ ws[i]·xs[i] over tensors of one shape: the total
// loss wc·content + ws·style + wtv·TV of Gatys et al. (2015), eq. 7, when
// the xs are Scalars. It issues Fill and Axpy kernels, forward and
// backward, so nothing is read back to the host. A tensor may appear more
// than once; its gradients add up.
func (g *Graph) WeightedSum(xs []*Tensor, ws []float32) *Tensor {
	g.begin("WeightedSum", xs...)
	if len(xs) == 0 || len(xs) != len(ws) {
		panicf("WeightedSum: %d tensors and %d weights; want the same number, at least 1", len(xs), len(ws))
	}
	for _, x := range xs {
		if x == nil || x.shape != xs[0].shape {
			panicf("WeightedSum: tensors %s and %v differ in shape", xs[0], x)
		}
	}
	xs, ws = append([]*Tensor(nil), xs...), append([]float32(nil), ws...)
	y := g.output("sum", xs[0].shape, xs...)
	g.emit("WeightedSumForward", false, xs, list(y), func(b Backend) {
		b.Fill(y.buf, 0)
		for i, x := range xs {
			b.Axpy(y.buf, ws[i], x.buf)
		}
	})
	g.record(xs, list(y), func(gout []*Tensor) {
		gy := gout[0]
		for i, x := range xs {
			if !x.requiresGrad {
				continue
			}
			gx, w := g.gradOf(x), ws[i]
			g.emit("Axpy", true, list(gy), list(gx), func(b Backend) { b.Axpy(gx.buf, w, gy.buf) })
		}
	})
	return y
}
