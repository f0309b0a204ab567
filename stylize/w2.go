package stylize

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/vkstyle/vkstyle/graph"
)

// The Wasserstein-2 style loss of crowsonkb's style-transfer-pytorch
// (StyleLossW2): a style layer's features are summed up by a Gaussian,
// their mean μ and covariance Σ (plus εI), and the loss is the squared
// Wasserstein-2 distance between the image's Gaussian and the style's,
// with each part averaged over the C channels:
//
//	L = mean((μ − μₛ)²) + tr(Σ + Σₛ − 2·(Σₛ^½·Σ·Σₛ^½)^½)/C
//
// The square roots are Newton–Schulz iterations (graph.Sqrtm, 12 of
// them, as crowsonkb's). Like crowsonkb, the styles' targets blend their
// means and second raw gaussMoments (E[f·fᵀ]) by the blend weights, since
// those combine linearly where covariances do not; the target's square
// root Σₛ^½ is taken once per scale, on the device.
//
// On the graph, per style layer: μ = ChannelMeanStd(F), the centred
// features ChannelAffine(F, μ, 1, 1, 0), Σ = C·Gram(centred) + εI,
// M = Σₛ^½·Σ·Σₛ^½ (MatMul), Z = Sqrtm(M), and
// L = MSE(μ, μₛ) + Dot(Σ, I)/C − 2·Dot(Z, I)/C + tr(Σₛ)/C.
// The covariance of centred features is what crowsonkb's srm − μμᵀ is,
// without the cancellation float32 would suffer.
//
// With masks, each style's term takes the statistics of its region's
// positions in the image (regionAt) and of its style mask's region in
// the style image, as the sliced loss does.

const (
	w2Eps   = 1e-4 // crowsonkb's eps, added to both covariances
	w2Iters = 12   // Newton–Schulz iterations, forward and backward
)

// constSlot is a constant of the objective with its data, to bind.
type constSlot struct {
	t    *graph.Tensor
	data []float32
}

// constant adds a constant named name of shape s, bound with data.
func (ob *objective) constant(name string, s graph.Shape, data []float32) *graph.Tensor {
	t := ob.g.Constant(name, s)
	ob.consts = append(ob.consts, constSlot{t, data})
	return t
}

// addW2 adds the Wasserstein-2 terms of style layer l (the image's
// features f): one against the blended styles, or with masks one per
// style against that style, weighted by its blend. Each term's targets
// (μₛ, Σₛ^½ and tr(Σₛ)/C) are appended to ob.targets in that order.
func (ob *objective) addW2(l Layer, f *graph.Tensor, sh objShape, blend []float64, weight float64) ([]*graph.Tensor, []float32) {
	g := ob.g
	s := f.Shape()
	c := s.C
	eye := ob.constant("identity "+l.Name, graph.NCHW(1, 1, c, c), identity(c))
	ones := ob.constant("ones "+l.Name, graph.NCHW(1, c, 1, 1), filled(c, 1))
	zeros := ob.constant("zeros "+l.Name, graph.NCHW(1, c, 1, 1), filled(c, 0))
	var terms []*graph.Tensor
	var weights []float32
	for k := range max(sh.masks, 1) {
		in, name, w := f, l.Name, weight
		if sh.masks > 0 {
			name = fmt.Sprintf("%s style %d", l.Name, k+1)
			in = ob.selection("region "+name, f, regionAt(sh.guides.content[k], sh.w, sh.h, s.W, s.H))
			w *= blend[k] * float64(sh.masks)
		}
		mean, _ := g.ChannelMeanStd(in, 0)
		centred := g.ChannelAffine(in, mean, ones, ones, zeros)
		cov := g.WeightedSum([]*graph.Tensor{g.Gram(centred), eye}, []float32{float32(c), w2Eps})
		tmean := g.Constant("style mean "+name, mean.Shape())
		tsqrt := g.Constant("style covariance root "+name, cov.Shape())
		ttrace := g.Constant("style trace "+name, graph.Scalar)
		ob.targets = append(ob.targets, tmean, tsqrt, ttrace)
		z := g.Sqrtm(g.MatMul(g.MatMul(tsqrt, cov), tsqrt), w2Iters)
		loss := g.WeightedSum([]*graph.Tensor{g.MSE(mean, tmean), g.Dot(cov, eye), g.Dot(z, eye), ttrace},
			[]float32{1, 1 / float32(c), -2 / float32(c), 1}).SetName("style loss " + name)
		ob.style = append(ob.style, loss)
		ob.styleW = append(ob.styleW, w)
		terms, weights = append(terms, loss), append(weights, float32(w))
	}
	return terms, weights
}

// bindConsts binds the objective's constants (see objective.constant).
func (r *scaleRun) bindConsts() error {
	for _, c := range r.ob.consts {
		if _, err := r.bind(c.t, c.data); err != nil {
			return err
		}
	}
	return nil
}

// identity is the c×c identity matrix.
func identity(c int) []float32 {
	out := make([]float32, c*c)
	for i := range c {
		out[i*c+i] = 1
	}
	return out
}

// filled is n copies of v.
func filled(n int, v float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// gaussMoments are a feature map's channel means and second raw gaussMoments
// E[f·fᵀ] (C×C), in float64.
type gaussMoments struct {
	c    int
	mean []float64
	srm  []float64
}

// momentsOf computes the gaussMoments of the C×n feature map f over the
// positions sel (all when nil).
func momentsOf(f []float32, c int, sel []float32) gaussMoments {
	n := len(f) / c
	pos := n
	if sel != nil {
		pos = len(sel)
	}
	x := make([]float64, c*pos)
	for i := range c {
		row := f[i*n : (i+1)*n]
		for j := range pos {
			at := j
			if sel != nil {
				at = int(sel[j])
			}
			x[i*pos+j] = float64(row[at])
		}
	}
	m := gaussMoments{c: c, mean: make([]float64, c), srm: make([]float64, c*c)}
	for i := range c {
		var s float64
		for _, v := range x[i*pos : (i+1)*pos] {
			s += v
		}
		m.mean[i] = s / float64(pos)
	}
	out := blas64.Symmetric{N: c, Stride: c, Data: m.srm, Uplo: blas.Upper}
	blas64.Syrk(blas.NoTrans, 1/float64(pos), blas64.General{Rows: c, Cols: pos, Stride: pos, Data: x}, 0, out)
	for i := range c { // mirror the upper triangle
		for j := range i {
			m.srm[i*c+j] = m.srm[j*c+i]
		}
	}
	return m
}

// blendMoments is Σ w[k]·ms[k], means and second gaussMoments alike.
func blendMoments(ms []gaussMoments, w []float64) gaussMoments {
	c := ms[0].c
	out := gaussMoments{c: c, mean: make([]float64, c), srm: make([]float64, c*c)}
	for k, m := range ms {
		for i, v := range m.mean {
			out.mean[i] += w[k] * v
		}
		for i, v := range m.srm {
			out.srm[i] += w[k] * v
		}
	}
	return out
}

// w2Target turns gaussMoments into a term's targets: μ, Σ^½ (on the device)
// and tr(Σ)/C, Σ = srm − μμᵀ + εI.
func w2Target(eng Engine, m gaussMoments) ([][]float32, error) {
	c := m.c
	cov := make([]float32, c*c)
	var trace float64
	for i := range c {
		for j := range c {
			v := m.srm[i*c+j] - m.mean[i]*m.mean[j]
			if i == j {
				v += w2Eps
				trace += v
			}
			cov[i*c+j] = float32(v)
		}
	}
	root, err := sqrtmOn(eng, cov, c)
	if err != nil {
		return nil, err
	}
	mean := make([]float32, c)
	for i, v := range m.mean {
		mean[i] = float32(v)
	}
	return [][]float32{mean, root, {float32(trace / float64(c))}}, nil
}

// sqrtmOn is graph.Sqrtm of the c×c matrix a, run on the engine.
func sqrtmOn(eng Engine, a []float32, c int) ([]float32, error) {
	b := eng.Backend()
	g := graph.New()
	x := g.Constant("covariance", graph.NCHW(1, 1, c, c))
	y := g.Sqrtm(x, w2Iters)
	g.Keep(y)
	buf, err := bindLeaf(b, x, "covariance", a)
	if err != nil {
		return nil, err
	}
	defer b.Free(buf)
	prog, err := g.Compile(b)
	if err != nil {
		return nil, err
	}
	defer prog.Close()
	prog.Forward()
	out := make([]float32, c*c)
	if err := b.Download(y.Buffer(), out); err != nil {
		return nil, fmt.Errorf("the style's covariance square root: %w", err)
	}
	return out, nil
}

// w2Targets computes the style targets of the Wasserstein-2 loss, in the
// order addW2 adds them: per style layer, the blended styles' (or with
// perStyle each style's) μ, Σ^½ and tr(Σ)/C. styleMasks, when not nil,
// has each style's mask (nil for none) at its size.
func w2Targets(eng Engine, m Model, o Options, styles [][]float32, sizes [][2]int, tileWin int, perStyle bool, styleMasks [][]float32) ([][]float32, error) {
	sl := layerNames(o.StyleLayers)
	mom := make([][]gaussMoments, len(o.StyleLayers)) // [layer][style]
	for k, s := range styles {
		h, w := sizes[k][0], sizes[k][1]
		feats, err := keptTiled(eng, m, o, s, h, w, sl, false, o.styleScaleFix, tileWin)
		if err != nil {
			return nil, err
		}
		for i, l := range sl {
			fs, err := featShape(m, eng.Backend(), h, w, l)
			if err != nil {
				return nil, err
			}
			var sel []float32
			if styleMasks != nil && styleMasks[k] != nil {
				sel = regionAt(styleMasks[k], w, h, fs.W, fs.H)
			}
			mom[i] = append(mom[i], momentsOf(feats[l], fs.C, sel))
		}
	}
	blend := o.blend(len(styles))
	var out [][]float32
	for i := range sl {
		ms := mom[i]
		if !perStyle {
			ms = []gaussMoments{blendMoments(ms, blend)}
		}
		for _, mm := range ms {
			t, err := w2Target(eng, mm)
			if err != nil {
				return nil, err
			}
			out = append(out, t...)
		}
	}
	return out, nil
}
