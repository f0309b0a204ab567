package stylize

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/vkstyle/vkstyle/gpu/vkgraph"
	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/optim"
)

// nanGradBackend is the GPU backend with one change: from the bad-th
// evaluation on, the gradient the first convolution sends back into the
// image turns NaN, on the device, in stream order: every element (all) or
// one in the middle (one, which a max that drops NaN operands loses). The
// loss is untouched, so only the optimiser's gradient check (max |g| on
// the GPU, shaders/reduce.glsl) can see it.
type nanGradBackend struct {
	graph.Backend
	bad, evals int
	one        bool
	hot        graph.Buffer // one: NaN in the middle, zeros elsewhere
	err        error
}

func (b *nanGradBackend) Conv2DBackwardData(dy, w, dx graph.Buffer, p graph.Conv2DParams) {
	b.Backend.Conv2DBackwardData(dy, w, dx, p)
	if p.CIn != 3 { // not the image's convolution
		return
	}
	b.evals++
	if b.evals < b.bad {
		return
	}
	if !b.one {
		b.Backend.Fill(dx, float32(math.NaN()))
		return
	}
	if b.hot == nil {
		v := make([]float32, dx.Len())
		v[len(v)/2] = float32(math.NaN())
		if b.hot, b.err = b.Backend.Alloc(len(v), "one NaN"); b.err != nil {
			return
		}
		if b.err = b.Backend.Upload(b.hot, v); b.err != nil {
			return
		}
	}
	b.Backend.Axpy(dx, 1, b.hot) // dx += hot: NaN at one element
}

type nanGradEngine struct {
	*GPU
	b *nanGradBackend
}

func (e nanGradEngine) Backend() graph.Backend { return e.b }

// A gradient that turns NaN while the loss stays finite stops the run with
// the gradient's NonFiniteError (what `vkstyle render` reports as "the run
// diverged") and returns a finite image, on both kernel families and with
// both optimisers. An all-NaN gradient is the case a max that drops NaN
// (or an isnan() a driver folds to false) would report as max |g| = 0:
// L-BFGS would then call the run converged.
func TestNaNGradientStopsRunGPU(t *testing.T) {
	for _, k := range []vkgraph.Family{vkgraph.FamilyTexel, vkgraph.FamilyShared} {
		for _, opt := range []string{"lbfgs", "adam"} {
			for _, one := range []bool{false, true} {
				name := k.String() + "/" + opt + "/all"
				if one {
					name = k.String() + "/" + opt + "/one"
				}
				t.Run(name, func(t *testing.T) {
					eng := gpuEngine(t)
					if err := vkgraph.CanShare(&eng.Device().Info); k == vkgraph.FamilyShared && err != nil {
						t.Skipf("%s (limits %s): %v", eng.Device().Info.Name, eng.Device().Info.Limits, err)
					}
					if err := eng.SetFamily(k); err != nil {
						t.Fatal(err)
					}
					m := newTinyModel()
					defer m.free()
					o := tinyOptions()
					o.Optimizer = opt
					const bad = 3
					e := nanGradEngine{GPU: eng, b: &nanGradBackend{Backend: eng.Backend(), bad: bad, one: one}}
					defer func() {
						if e.b.hot != nil {
							e.b.Backend.Free(e.b.hot)
						}
					}()
					im, err := Run(context.Background(), e, m, Request{Content: SampleContent(32, 24), Styles: []*Image{SampleStyle(32, 32)}, Options: o})
					if e.b.err != nil {
						t.Fatal(e.b.err)
					}
					var nf *optim.NonFiniteError
					if !errors.As(err, &nf) {
						t.Fatalf("error %v, want a NonFiniteError", err)
					}
					if nf.Quantity != "gradient" || !math.IsNaN(nf.Value) || nf.Eval != bad {
						t.Errorf("stopped on %s = %v at evaluation %d, want the gradient's NaN at evaluation %d", nf.Quantity, nf.Value, nf.Eval, bad)
					}
					if im == nil {
						t.Fatal("no image returned with the error")
					}
					for i, v := range im.Pix {
						if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
							t.Fatalf("pixel %d of the returned image is %v", i, v)
						}
					}
				})
			}
		}
	}
}
