package graphtest

import (
	"math"
	"testing"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/graph/cpu"
)

// The suite must catch a backend that breaks a convention. Each mutant is
// the reference with one kernel subtly wrong; the kernel and kink cases
// must report at least one mismatch for every mutant, and none for the
// reference itself.

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failures int
}

func (r *recorder) Errorf(string, ...any) { r.failures++ }
func (r *recorder) Helper()               {}

// failures runs the kernel and kink cases on b and counts mismatches.
func failures(t *testing.T, b graph.Backend) int {
	r, ref := &recorder{TB: t}, cpu.New()
	for _, c := range kernelCases() {
		want, got := exec(r, ref, c), exec(r, b, c)
		for i := range want {
			Compare(r, c.name, got[i], want[i], c.tol)
		}
	}
	for _, c := range kinkCases() {
		got := exec(r, b, c.kernelCase)
		for i, w := range c.want {
			Compare(r, c.name, got[i], w, TolExact)
		}
	}
	return r.failures
}

// mutant is the reference backend with some kernels overridden.
type mutant struct {
	*cpu.Backend[float32]
	conv      func(m *mutant, x, w, bias, y graph.Buffer, p graph.Conv2DParams)
	convW     func(m *mutant, x, dy, dw graph.Buffer, p graph.Conv2DParams)
	reluB     func(m *mutant, y, dy, dx graph.Buffer)
	poolB     func(m *mutant, x, dy, dx graph.Buffer, s graph.Shape)
	stats     func(m *mutant, x, mean, std graph.Buffer, p graph.StatsParams)
	tv        func(m *mutant, x, loss graph.Buffer, s graph.Shape)
	absSum    func(m *mutant, x, out graph.Buffer)
	axpyN     func(m *mutant, g, norm, dx graph.Buffer, w, eps float32)
	affineSc  func(m *mutant, x, mean, std, dy, dscale, dshift graph.Buffer, p graph.AffineParams)
	upB       func(m *mutant, dy, dx graph.Buffer, p graph.UpsampleParams)
	maskB     func(m *mutant, dy, mk, dx graph.Buffer, s graph.Shape)
	dotB      func(m *mutant, c, dout, dx graph.Buffer)
	gramScale float32
}

func (m *mutant) ChannelAffineBackwardScale(x, mean, std, dy, dscale, dshift graph.Buffer, p graph.AffineParams) {
	if m.affineSc != nil {
		m.affineSc(m, x, mean, std, dy, dscale, dshift, p)
		return
	}
	m.Backend.ChannelAffineBackwardScale(x, mean, std, dy, dscale, dshift, p)
}

func (m *mutant) UpsampleNearestBackward(dy, dx graph.Buffer, p graph.UpsampleParams) {
	if m.upB != nil {
		m.upB(m, dy, dx, p)
		return
	}
	m.Backend.UpsampleNearestBackward(dy, dx, p)
}

func (m *mutant) MaskBackward(dy, mk, dx graph.Buffer, s graph.Shape) {
	if m.maskB != nil {
		m.maskB(m, dy, mk, dx, s)
		return
	}
	m.Backend.MaskBackward(dy, mk, dx, s)
}

func (m *mutant) DotBackward(c, dout, dx graph.Buffer) {
	if m.dotB != nil {
		m.dotB(m, c, dout, dx)
		return
	}
	m.Backend.DotBackward(c, dout, dx)
}

func (m *mutant) Conv2DForward(x, w, bias, y graph.Buffer, p graph.Conv2DParams) {
	if m.conv != nil {
		m.conv(m, x, w, bias, y, p)
		return
	}
	m.Backend.Conv2DForward(x, w, bias, y, p)
}

func (m *mutant) Conv2DBackwardWeight(x, dy, dw graph.Buffer, p graph.Conv2DParams) {
	if m.convW != nil {
		m.convW(m, x, dy, dw, p)
		return
	}
	m.Backend.Conv2DBackwardWeight(x, dy, dw, p)
}

func (m *mutant) ReLUBackward(y, dy, dx graph.Buffer) {
	if m.reluB != nil {
		m.reluB(m, y, dy, dx)
		return
	}
	m.Backend.ReLUBackward(y, dy, dx)
}

func (m *mutant) MaxPool2x2Backward(x, dy, dx graph.Buffer, s graph.Shape) {
	if m.poolB != nil {
		m.poolB(m, x, dy, dx, s)
		return
	}
	m.Backend.MaxPool2x2Backward(x, dy, dx, s)
}

func (m *mutant) ChannelMeanStdForward(x, mean, std graph.Buffer, p graph.StatsParams) {
	m.Backend.ChannelMeanStdForward(x, mean, std, p)
	if m.stats != nil {
		m.stats(m, x, mean, std, p)
	}
}

func (m *mutant) TVForward(x, loss graph.Buffer, s graph.Shape) {
	m.Backend.TVForward(x, loss, s)
	if m.tv != nil {
		m.tv(m, x, loss, s)
	}
}

func (m *mutant) GramForward(x, g graph.Buffer, s graph.Shape) {
	m.Backend.GramForward(x, g, s)
	if m.gramScale != 0 {
		m.Scale(g, m.gramScale)
	}
}

func (m *mutant) AbsSum(x, out graph.Buffer) {
	if m.absSum != nil {
		m.absSum(m, x, out)
		return
	}
	m.Backend.AbsSum(x, out)
}

func (m *mutant) AxpyNormalized(g, norm, dx graph.Buffer, w, eps float32) {
	if m.axpyN != nil {
		m.axpyN(m, g, norm, dx, w, eps)
		return
	}
	m.Backend.AxpyNormalized(g, norm, dx, w, eps)
}

func TestSuiteCatchesMutants(t *testing.T) {
	if n := failures(t, &mutant{Backend: cpu.New()}); n != 0 {
		t.Fatalf("reference reported %d failures", n)
	}
	mutants := map[string]*mutant{
		"conv forward accumulates": {conv: func(m *mutant, x, w, bias, y graph.Buffer, p graph.Conv2DParams) {
			old := append([]float32(nil), m.Data(y)...)
			m.Backend.Conv2DForward(x, w, bias, y, p)
			for i, v := range old {
				m.Data(y)[i] += v
			}
		}},
		"conv weight gradient overwrites": {convW: func(m *mutant, x, dy, dw graph.Buffer, p graph.Conv2DParams) {
			m.Fill(dw, 0)
			m.Backend.Conv2DBackwardWeight(x, dy, dw, p)
		}},
		"conv off by 2e-4": {conv: func(m *mutant, x, w, bias, y graph.Buffer, p graph.Conv2DParams) {
			m.Backend.Conv2DForward(x, w, bias, y, p)
			m.Scale(y, 1+2e-4)
		}},
		"reflect padding as zeros": {conv: func(m *mutant, x, w, bias, y graph.Buffer, p graph.Conv2DParams) {
			p.Reflect = false
			m.Backend.Conv2DForward(x, w, bias, y, p)
		}},
		"relu'(0) = 1": {reluB: func(m *mutant, y, dy, dx graph.Buffer) {
			for i, v := range m.Data(y) {
				if v >= 0 {
					m.Data(dx)[i] += m.Data(dy)[i]
				}
			}
		}},
		"max-pool ties to the last": {poolB: func(m *mutant, x, dy, dx graph.Buffer, s graph.Shape) {
			xd, dyd, dxd := m.Data(x), m.Data(dy), m.Data(dx)
			for nc := 0; nc < s.N*s.C; nc++ {
				for oy := 0; oy < s.H/2; oy++ {
					for ox := 0; ox < s.W/2; ox++ {
						i := (nc*s.H+2*oy)*s.W + 2*ox
						best := i
						for _, j := range []int{i + 1, i + s.W, i + s.W + 1} {
							if xd[j] >= xd[best] {
								best = j
							}
						}
						dxd[best] += dyd[(nc*(s.H/2)+oy)*(s.W/2)+ox]
					}
				}
			}
		}},
		"unbiased std": {stats: func(m *mutant, x, mean, std graph.Buffer, p graph.StatsParams) {
			if n := float64(p.H * p.W); n > 1 {
				m.Scale(std, float32(math.Sqrt(n/(n-1))))
			}
		}},
		"TV halved":        {tv: func(m *mutant, x, loss graph.Buffer, s graph.Shape) { m.Scale(loss, 0.5) }},
		"Gram scaled by 3": {gramScale: 3},
		"L1 norm without abs": {absSum: func(m *mutant, x, out graph.Buffer) {
			var sum float64
			for _, v := range m.Data(x) {
				sum += float64(v)
			}
			m.Data(out)[0] = float32(sum)
		}},
		"normalised axpy with eps not scaled by w": {axpyN: func(m *mutant, g, norm, dx graph.Buffer, w, eps float32) {
			m.Backend.AxpyNormalized(g, norm, dx, w, eps/w)
		}},
		"affine shift gradient overwrites": {affineSc: func(m *mutant, x, mean, std, dy, dscale, dshift graph.Buffer, p graph.AffineParams) {
			m.Fill(dshift, 0)
			m.Backend.ChannelAffineBackwardScale(x, mean, std, dy, dscale, dshift, p)
		}},
		"upsample backward takes one element of the block": {upB: func(m *mutant, dy, dx graph.Buffer, p graph.UpsampleParams) {
			dyd, dxd := m.Data(dy), m.Data(dx)
			for i := range dxd {
				nc, r := i/(p.H*p.W), i%(p.H*p.W)
				dxd[i] += dyd[(nc*p.H*p.Scale+r/p.W*p.Scale)*p.W*p.Scale+r%p.W*p.Scale]
			}
		}},
		"mask backward ignores the mask": {maskB: func(m *mutant, dy, mk, dx graph.Buffer, s graph.Shape) {
			m.Axpy(dx, 1, dy)
		}},
		"dot backward ignores the incoming gradient": {dotB: func(m *mutant, c, dout, dx graph.Buffer) {
			m.Axpy(dx, 1, c)
		}},
		"normalised axpy overwrites": {axpyN: func(m *mutant, g, norm, dx graph.Buffer, w, eps float32) {
			m.Fill(dx, 0)
			m.Backend.AxpyNormalized(g, norm, dx, w, eps)
		}},
	}
	for name, m := range mutants {
		m.Backend = cpu.New()
		if n := failures(t, m); n == 0 {
			t.Errorf("mutant %q passed the suite", name)
		} else {
			t.Logf("mutant %q: %d failures", name, n)
		}
	}
}
