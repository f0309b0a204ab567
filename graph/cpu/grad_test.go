package cpu_test

// Every backward kernel is checked against central finite differences of
// its forward kernel, in float64 (New64), on tiny tensors, for every
// input element: with y = f(x), upstream gradient r and φ(x) = Σ r·y,
// the backward kernel must give ∂φ/∂x. The gradient buffer is prefilled
// with random values, so the check also pins the accumulate convention.
//
// Step fdStep = 1e-5; every op here is piecewise linear or quadratic
// except the std, so the central difference is exact up to rounding
// (≈ 1e-16·|φ|/h ≈ 1e-10) and, for the std, a truncation error h²·φ'''
// below 1e-9. fdTol = 1e-7 (absolute plus relative) leaves two orders of
// magnitude of margin and catches any real error.
//
// Kinked ops get inputs away from the kinks: ReLU inputs satisfy |x| ≥
// 0.1, and the four values of every max-pool window differ by at least
// 0.01, both far beyond fdStep. The subgradients at the kinks (relu'(0) =
// 0, ties to the first maximum) are pinned by graphtest's kink cases.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
)

const (
	fdStep = 1e-5
	fdTol  = 1e-7
)

type fdEnv struct {
	t   *testing.T
	b   *cpu.Backend[float64]
	rng *rand.Rand
}

func newEnv(t *testing.T) *fdEnv {
	return &fdEnv{t: t, b: cpu.New64(), rng: rand.New(rand.NewPCG(1, 2))}
}

// buf returns a buffer of n standard normal values.
func (e *fdEnv) buf(n int) graph.Buffer {
	return e.bufFrom(n, func(int) float64 { return e.rng.NormFloat64() })
}

func (e *fdEnv) bufFrom(n int, f func(i int) float64) graph.Buffer {
	b, err := e.b.Alloc(n, "t")
	if err != nil {
		e.t.Fatal(err)
	}
	for i, d := 0, e.b.Data(b); i < n; i++ {
		d[i] = f(i)
	}
	return b
}

// dot returns Σ r·y.
func (e *fdEnv) dot(r, y graph.Buffer) float64 {
	var s float64
	for i, v := range e.b.Data(y) {
		s += v * e.b.Data(r)[i]
	}
	return s
}

// check compares the gradient that backward accumulates into a prefilled
// buffer of x's length with central differences of phi over x.
func (e *fdEnv) check(name string, x graph.Buffer, phi func() float64, backward func(dx graph.Buffer)) {
	e.t.Helper()
	dx := e.buf(x.Len())
	before := append([]float64(nil), e.b.Data(dx)...)
	backward(dx)
	xd := e.b.Data(x)
	worst, wi, bad := 0.0, -1, 0
	for i := range xd {
		v := xd[i]
		xd[i] = v + fdStep
		fp := phi()
		xd[i] = v - fdStep
		fm := phi()
		xd[i] = v
		want := (fp - fm) / (2 * fdStep)
		got := e.b.Data(dx)[i] - before[i]
		err := math.Abs(got-want) / (1 + math.Abs(want))
		if err > fdTol || math.IsNaN(got) {
			bad++
		}
		if err > worst || math.IsNaN(err) {
			worst, wi = err, i
		}
	}
	if bad > 0 {
		e.t.Errorf("%s: %d of %d gradients off; worst at %d: analytic %.10g, finite difference %.10g (err %.3g > %g)",
			name, bad, len(xd), wi, e.b.Data(dx)[wi]-before[wi], e.fd(x, wi, phi), worst, fdTol)
	}
}

func (e *fdEnv) fd(x graph.Buffer, i int, phi func() float64) float64 {
	xd := e.b.Data(x)
	v := xd[i]
	xd[i] = v + fdStep
	fp := phi()
	xd[i] = v - fdStep
	fm := phi()
	xd[i] = v
	return (fp - fm) / (2 * fdStep)
}

func TestGradConv2D(t *testing.T) {
	type cfg struct {
		n, cin, cout, h, w, kh, kw, stride, pad int
		reflect                                 bool
	}
	for _, c := range []cfg{
		{2, 2, 3, 5, 4, 3, 3, 1, 1, false},
		{2, 2, 3, 5, 4, 3, 3, 1, 1, true},
		{1, 2, 3, 5, 4, 3, 3, 2, 1, true},
		{1, 2, 3, 5, 4, 3, 3, 2, 0, false},
		{1, 3, 2, 5, 4, 1, 3, 1, 1, true},
		{1, 2, 2, 5, 4, 2, 2, 2, 0, false},
		{1, 2, 2, 5, 4, 5, 5, 1, 2, true},
		{1, 2, 3, 1, 1, 3, 3, 1, 1, false},
	} {
		p := graph.Conv2DParams{N: c.n, CIn: c.cin, H: c.h, W: c.w, COut: c.cout, KH: c.kh, KW: c.kw,
			Stride: c.stride, Pad: c.pad, Reflect: c.reflect}
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			e := newEnv(t)
			x, w, bias := e.buf(p.XShape().Len()), e.buf(p.WShape().Len()), e.buf(p.COut)
			y, r := e.buf(p.YShape().Len()), e.buf(p.YShape().Len())
			phi := func() float64 { e.b.Conv2DForward(x, w, bias, y, p); return e.dot(r, y) }
			e.check("dx", x, phi, func(dx graph.Buffer) { e.b.Conv2DBackwardData(r, w, dx, p) })
			e.check("dw", w, phi, func(dw graph.Buffer) { e.b.Conv2DBackwardWeight(x, r, dw, p) })
			e.check("db", bias, phi, func(db graph.Buffer) { e.b.Conv2DBackwardBias(r, db, p) })
		})
	}
}

func TestGradReLU(t *testing.T) {
	e := newEnv(t)
	x := e.bufFrom(40, func(int) float64 {
		v := 0.1 + math.Abs(e.rng.NormFloat64())
		if e.rng.IntN(2) == 0 {
			v = -v
		}
		return v
	})
	y, r := e.buf(40), e.buf(40)
	phi := func() float64 { e.b.ReLUForward(x, y); return e.dot(r, y) }
	phi()
	e.check("dx", x, phi, func(dx graph.Buffer) { e.b.ReLUBackward(y, r, dx) })
}

// windowed returns max-pool inputs whose window values differ by ≥ 0.01.
func (e *fdEnv) windowed(n int) graph.Buffer {
	perm := e.rng.Perm(n)
	return e.bufFrom(n, func(i int) float64 { return float64(perm[i])*0.01 - float64(n)*0.005 })
}

func TestGradPool(t *testing.T) {
	for _, s := range []graph.Shape{graph.NCHW(2, 3, 4, 6), graph.NCHW(1, 2, 5, 7), graph.NCHW(1, 1, 2, 3)} {
		t.Run(s.String(), func(t *testing.T) {
			e := newEnv(t)
			n, m := s.Len(), graph.PoolShape(s).Len()
			x, y, r := e.windowed(n), e.buf(m), e.buf(m)
			maxPhi := func() float64 { e.b.MaxPool2x2Forward(x, y, s); return e.dot(r, y) }
			e.check("max dx", x, maxPhi, func(dx graph.Buffer) { e.b.MaxPool2x2Backward(x, r, dx, s) })
			mc := graph.PoolShapeCeil(s).Len()
			yc, rc := e.buf(mc), e.buf(mc)
			ceilPhi := func() float64 { e.b.MaxPool2x2CeilForward(x, yc, s); return e.dot(rc, yc) }
			e.check("max ceil dx", x, ceilPhi, func(dx graph.Buffer) { e.b.MaxPool2x2CeilBackward(x, rc, dx, s) })
			avgPhi := func() float64 { e.b.AvgPool2x2Forward(x, y, s); return e.dot(r, y) }
			e.check("avg dx", x, avgPhi, func(dx graph.Buffer) { e.b.AvgPool2x2Backward(r, dx, s) })
			l2Phi := func() float64 { e.b.L2Pool2x2Forward(x, y, s, 0.78); return e.dot(r, y) }
			e.check("l2 dx", x, l2Phi, func(dx graph.Buffer) { e.b.L2Pool2x2Backward(x, r, dx, s, 0.78) })
		})
	}
}

func TestGradGram(t *testing.T) {
	for _, s := range []graph.Shape{graph.NCHW(2, 3, 3, 4), graph.NCHW(1, 1, 1, 1), graph.NCHW(1, 4, 1, 3)} {
		t.Run(s.String(), func(t *testing.T) {
			e := newEnv(t)
			m := s.N * s.C * s.C
			x, g, r := e.buf(s.Len()), e.buf(m), e.buf(m)
			phi := func() float64 { e.b.GramForward(x, g, s); return e.dot(r, g) }
			e.check("dx", x, phi, func(dx graph.Buffer) { e.b.GramBackward(x, r, dx, s) })
		})
	}
}

func TestGradMSE(t *testing.T) {
	e := newEnv(t)
	x, tg, loss, r := e.buf(24), e.buf(24), e.buf(1), e.buf(1)
	phi := func() float64 { e.b.MSEForward(x, tg, loss); return e.dot(r, loss) }
	e.check("dx", x, phi, func(dx graph.Buffer) { e.b.MSEBackward(x, tg, r, dx) })
}

func TestGradTV(t *testing.T) {
	for _, s := range []graph.Shape{graph.NCHW(2, 2, 3, 4), graph.NCHW(1, 1, 1, 5), graph.NCHW(1, 2, 4, 1), graph.NCHW(1, 1, 1, 1)} {
		t.Run(s.String(), func(t *testing.T) {
			e := newEnv(t)
			x, loss, r := e.buf(s.Len()), e.buf(1), e.buf(1)
			phi := func() float64 { e.b.TVForward(x, loss, s); return e.dot(r, loss) }
			e.check("dx", x, phi, func(dx graph.Buffer) { e.b.TVBackward(x, r, dx, s) })
		})
	}
}

func TestGradResize(t *testing.T) {
	for _, p := range []graph.ResizeParams{
		{N: 1, C: 2, InH: 3, InW: 4, OutH: 5, OutW: 7},
		{N: 2, C: 1, InH: 6, InW: 5, OutH: 4, OutW: 2},
		{N: 1, C: 1, InH: 3, InW: 3, OutH: 3, OutW: 3},
		{N: 1, C: 1, InH: 1, InW: 1, OutH: 3, OutW: 2},
		{N: 1, C: 1, InH: 4, InW: 2, OutH: 1, OutW: 9},
	} {
		t.Run(fmt.Sprintf("%+v", p), func(t *testing.T) {
			e := newEnv(t)
			x, y, r := e.buf(p.InShape().Len()), e.buf(p.OutShape().Len()), e.buf(p.OutShape().Len())
			phi := func() float64 { e.b.BilinearResizeForward(x, y, p); return e.dot(r, y) }
			e.check("dx", x, phi, func(dx graph.Buffer) { e.b.BilinearResizeBackward(r, dx, p) })
		})
	}
}

func TestGradChannelMeanStd(t *testing.T) {
	for _, p := range []graph.StatsParams{
		{N: 2, C: 3, H: 3, W: 4},
		{N: 1, C: 2, H: 1, W: 5, Eps: 1e-3},
		{N: 1, C: 1, H: 2, W: 2, Eps: 0.5},
		{N: 2, C: 2, H: 3, W: 2, Unbiased: true},
		{N: 1, C: 2, H: 1, W: 2, Eps: 1e-5, Unbiased: true},
	} {
		t.Run(fmt.Sprintf("%+v", p), func(t *testing.T) {
			e := newEnv(t)
			m := p.N * p.C
			x, mean, std, rm, rs := e.buf(p.Shape().Len()), e.buf(m), e.buf(m), e.buf(m), e.buf(m)
			phi := func() float64 {
				e.b.ChannelMeanStdForward(x, mean, std, p)
				return e.dot(rm, mean) + e.dot(rs, std)
			}
			phi()
			e.check("dx", x, phi, func(dx graph.Buffer) { e.b.ChannelMeanStdBackward(x, mean, std, rm, rs, dx, p) })
		})
	}
}

// TestStdZero pins the gradient of a constant channel with Eps = 0: the
// std term is 0 (torch gives NaN), the mean term remains.
func TestStdZero(t *testing.T) {
	e := newEnv(t)
	p := graph.StatsParams{N: 1, C: 1, H: 2, W: 2}
	x := e.bufFrom(4, func(int) float64 { return 3 })
	mean, std, dm, ds := e.buf(1), e.buf(1), e.bufFrom(1, func(int) float64 { return 2 }), e.buf(1)
	dx := e.bufFrom(4, func(int) float64 { return 0 })
	e.b.ChannelMeanStdForward(x, mean, std, p)
	e.b.ChannelMeanStdBackward(x, mean, std, dm, ds, dx, p)
	if m, s := e.b.Data(mean)[0], e.b.Data(std)[0]; m != 3 || s != 0 {
		t.Errorf("mean, std = %g, %g; want 3, 0", m, s)
	}
	for i, v := range e.b.Data(dx) {
		if v != 0.5 {
			t.Errorf("dx[%d] = %g, want 0.5", i, v)
		}
	}
}

func TestGradChannelAffine(t *testing.T) {
	for _, p := range []graph.AffineParams{
		{N: 2, C: 3, H: 3, W: 4},
		{N: 2, C: 3, H: 2, W: 3, PerImage: true},
		{N: 1, C: 2, H: 1, W: 1},
	} {
		t.Run(fmt.Sprintf("%+v", p), func(t *testing.T) {
			e := newEnv(t)
			nc, k, n := p.N*p.C, p.ScaleLen(), p.Shape().Len()
			positive := func(int) float64 { return 0.5 + math.Abs(e.rng.NormFloat64()) }
			x, mean, std := e.buf(n), e.buf(nc), e.bufFrom(nc, positive)
			scale, shift, y, r := e.buf(k), e.buf(k), e.buf(n), e.buf(n)
			phi := func() float64 {
				e.b.ChannelAffineForward(x, mean, std, scale, shift, y, p)
				return e.dot(r, y)
			}
			e.check("dx", x, phi, func(dx graph.Buffer) { e.b.ChannelAffineBackwardData(r, std, scale, dx, p) })
			e.check("dmean", mean, phi, func(dm graph.Buffer) {
				e.b.ChannelAffineBackwardStats(x, mean, std, scale, r, dm, e.buf(nc), p)
			})
			e.check("dstd", std, phi, func(ds graph.Buffer) {
				e.b.ChannelAffineBackwardStats(x, mean, std, scale, r, e.buf(nc), ds, p)
			})
			e.check("dscale", scale, phi, func(dsc graph.Buffer) {
				e.b.ChannelAffineBackwardScale(x, mean, std, r, dsc, e.buf(k), p)
			})
			e.check("dshift", shift, phi, func(dsh graph.Buffer) {
				e.b.ChannelAffineBackwardScale(x, mean, std, r, e.buf(k), dsh, p)
			})
		})
	}
}

func TestGradUpsampleNearest(t *testing.T) {
	for _, p := range []graph.UpsampleParams{
		{N: 2, C: 2, H: 3, W: 2, Scale: 2},
		{N: 1, C: 1, H: 1, W: 3, Scale: 3},
		{N: 1, C: 2, H: 2, W: 2, Scale: 1},
	} {
		t.Run(fmt.Sprintf("%+v", p), func(t *testing.T) {
			e := newEnv(t)
			x, y, r := e.buf(p.InShape().Len()), e.buf(p.OutShape().Len()), e.buf(p.OutShape().Len())
			phi := func() float64 { e.b.UpsampleNearestForward(x, y, p); return e.dot(r, y) }
			e.check("dx", x, phi, func(dx graph.Buffer) { e.b.UpsampleNearestBackward(r, dx, p) })
		})
	}
}

func TestGradMaskDot(t *testing.T) {
	for _, s := range []graph.Shape{graph.NCHW(1, 3, 2, 3), graph.NCHW(2, 2, 1, 4)} {
		t.Run(s.String(), func(t *testing.T) {
			e := newEnv(t)
			n := s.Len()
			x, m, y, r := e.buf(n), e.buf(s.H*s.W), e.buf(n), e.buf(n)
			phi := func() float64 { e.b.MaskForward(x, m, y, s); return e.dot(r, y) }
			e.check("mask dx", x, phi, func(dx graph.Buffer) { e.b.MaskBackward(r, m, dx, s) })
			c, out, one := e.buf(n), e.buf(1), e.buf(1)
			e.b.Fill(one, 1)
			dot := func() float64 { e.b.DotForward(x, c, out); return e.dot(one, out) }
			e.check("dot dx", x, dot, func(dx graph.Buffer) { e.b.DotBackward(c, one, dx) })
		})
	}
}

// TestUpsampleNearestValues pins the forward against torch's
// interpolate(scale_factor=2, mode='nearest') on a 2×3 plane, by hand.
func TestUpsampleNearestValues(t *testing.T) {
	e := newEnv(t)
	p := graph.UpsampleParams{N: 1, C: 1, H: 2, W: 3, Scale: 2}
	x := e.bufFrom(6, func(i int) float64 { return float64(i + 1) })
	y := e.buf(24)
	e.b.UpsampleNearestForward(x, y, p)
	want := []float64{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6}
	for i, v := range e.b.Data(y) {
		if v != want[i] {
			t.Fatalf("y = %v, want %v", e.b.Data(y), want)
		}
	}
}

// TestMaxPoolCeilValues pins ceil mode against torch's
// max_pool2d(x, 2, ceil_mode=True) on a 3×3 plane of negative values, by
// hand: the last row and column form windows of their own, and nothing
// outside the plane (no zero padding) takes part.
func TestMaxPoolCeilValues(t *testing.T) {
	e := newEnv(t)
	s := graph.NCHW(1, 1, 3, 3)
	x := e.bufFrom(9, func(i int) float64 { return -float64(9 - i) }) // −9 … −1
	y := e.buf(4)
	e.b.MaxPool2x2CeilForward(x, y, s)
	want := []float64{-5, -4, -2, -1}
	for i, v := range e.b.Data(y) {
		if v != want[i] {
			t.Fatalf("y = %v, want %v", e.b.Data(y), want)
		}
	}
}

func TestGradSort(t *testing.T) {
	for _, s := range []graph.Shape{graph.NCHW(1, 3, 2, 3), graph.NCHW(2, 2, 1, 5)} {
		t.Run(s.String(), func(t *testing.T) {
			e := newEnv(t)
			n := s.Len()
			x, y, perm, r := e.buf(n), e.buf(n), e.buf(n), e.buf(n)
			phi := func() float64 { e.b.SortForward(x, y, perm, s); return e.dot(r, y) }
			phi() // perm at x, where the finite differences (which keep the order) are taken
			e.check("sort dx", x, phi, func(dx graph.Buffer) { e.b.SortBackward(perm, r, dx, s) })
		})
	}
}

func TestGradGather(t *testing.T) {
	s, out := graph.NCHW(2, 2, 2, 3), graph.NCHW(2, 2, 1, 4)
	e := newEnv(t)
	x, idx, y, r := e.buf(s.Len()), e.buf(4), e.buf(out.Len()), e.buf(out.Len())
	e.b.Upload(idx, []float32{5, 0, 3, 2})
	phi := func() float64 { e.b.GatherForward(x, idx, y, s, out); return e.dot(r, y) }
	e.check("gather dx", x, phi, func(dx graph.Buffer) { e.b.GatherBackward(idx, r, dx, s, out) })
}

func TestGradMatMul(t *testing.T) {
	p := graph.MatMulParams{M: 3, K: 4, P: 5}
	e := newEnv(t)
	a, bm := e.buf(p.AShape().Len()), e.buf(p.BShape().Len())
	y, r := e.buf(p.YShape().Len()), e.buf(p.YShape().Len())
	phi := func() float64 { e.b.MatMulForward(a, bm, y, p); return e.dot(r, y) }
	e.check("matmul da", a, phi, func(da graph.Buffer) { e.b.MatMulBackward(a, bm, r, da, nil, p) })
	e.check("matmul db", bm, phi, func(db graph.Buffer) { e.b.MatMulBackward(a, bm, r, nil, db, p) })
}

// The square root's backward solves for the derivative of the true square
// root of a symmetric matrix, so it matches finite differences of the
// forward where both iterations have converged: at symmetric matrices
// near 2·I, with 20 iterations. (At a matrix that is not symmetric the
// iteration solves another equation: see Graph.Sqrtm.)
func TestGradSqrtm(t *testing.T) {
	p := graph.SqrtmParams{Size: 4, Iters: 20}
	e := newEnv(t)
	n := p.Shape().Len()
	a := e.buf(n)
	ad := e.b.Data(a)
	for i := range 4 {
		for j := range i + 1 {
			v := 0.2 * ad[i*4+j]
			if i == j {
				v += 2
			}
			ad[i*4+j], ad[j*4+i] = v, v
		}
	}
	y, r := e.buf(n), e.buf(n)
	var work []graph.Buffer
	for i := range graph.SqrtmWork + graph.SqrtmScalars {
		work = append(work, e.buf(map[bool]int{true: n, false: 1}[i < graph.SqrtmWork]))
	}
	phi := func() float64 { e.b.SqrtmForward(a, y, work, p); return e.dot(r, y) }
	phi()
	// y·y = a: the forward converged.
	yd := e.b.Data(y)
	for i := range 4 {
		for j := range 4 {
			var s float64
			for l := range 4 {
				s += yd[i*4+l] * yd[l*4+j]
			}
			if d := math.Abs(s - ad[i*4+j]); d > 1e-12 {
				t.Fatalf("(y·y − a)[%d,%d] = %g", i, j, d)
			}
		}
	}
	e.check("sqrtm da", a, phi, func(da graph.Buffer) { e.b.SqrtmBackward(y, r, da, work, p) })
}
