package stylize

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/optim"
)

// tileReserve is the device memory a tiled run on eng keeps out of its
// tile plan, of a budget of budget bytes, for a tile whose uploads and
// downloads are stage bytes: the backend's scratch (the Winograd path's,
// scratchBytes), the staging of the uploads and downloads, and a
// sixteenth of the budget for the allocator's blocks not filled.
func tileReserve(eng Engine, budget, stage int64) int64 {
	return scratchBytes(eng) + 2*stage + budget/16
}

// thumbSide is the longer side of the image a tiled run passes to
// Request.Frame.
const thumbSide = 1024

// planTiles plans a tiled scale idx of a w×h image: the window side
// (Options.Tile, or the largest whose program fits the budget), the
// halo, the optimiser in host memory, and a Notice saying so.
func (st *state) planTiles(idx int, sc Scale, w, h int) (*tiledObjective, error) {
	o, m, b := st.o, st.m, st.eng.Backend()
	if o.NormalizeGradients {
		return nil, errors.New("-normalize-gradients cannot be tiled (each layer's norm spans the whole image): drop it, or give a -size or -memory-limit at which the image fits whole")
	}
	stride, radius := m.Geometry(layerSet(o))
	halo := o.tileHalo(stride, radius)
	least := max(2*halo+stride, roundUp(m.MinSide(layerSet(o)), stride))
	build := func(win int) (*tiledObjective, error) {
		return newTiledObjective(m, b, o, idx, w, h, newTiling(w, h, win, halo, stride, !o.TileFixed, o.Seed))
	}
	budget := st.eng.Budget()
	// need is what a tile program holds on the device, reserve included.
	need := func(to *tiledObjective) int64 { return to.bytes() + tileReserve(st.eng, budget, to.stageBytes()) }
	win := o.Tile
	if win > 0 {
		if win%stride != 0 || win < least {
			return nil, fmt.Errorf("-tile %d: give a multiple of %d of at least %d (twice the halo of %d pixels plus the network's stride of %d, and its shortest input of %d)",
				win, stride, least, halo, stride, m.MinSide(layerSet(o)))
		}
		to, err := build(win)
		if err != nil {
			return nil, err
		}
		if budget > 0 && need(to) > budget {
			return nil, fmt.Errorf("-tile %d: a tile needs about %s on %s, which has %s: give a smaller -tile, or leave it to -tile auto",
				win, graph.FormatBytes(need(to)), st.eng.Name(), graph.FormatBytes(budget))
		}
	} else {
		var err error
		win, err = tileSide(least, roundUp(max(w, h), stride), stride, budget, func(side int) (int64, error) {
			to, err := build(side)
			if err != nil {
				return 0, err
			}
			return need(to), nil
		})
		if err != nil {
			return nil, err
		}
		if win == 0 {
			to, err := build(least)
			if err != nil {
				return nil, err
			}
			fix := "a smaller -tile-halo, or fewer or shallower layers"
			if o.MemoryLimit > 0 {
				// The reserve grows with the limit: the scratch takes an
				// eighth of it, the allocator's slack a sixteenth.
				limit := (to.bytes() + 2*to.stageBytes()) * 16 / 13
				fix = fmt.Sprintf("give a -memory-limit of at least %d MiB, or %s", (limit+(1<<20)-1)>>20, fix)
			}
			return nil, fmt.Errorf("%s is too small for even one tile: the smallest (%d pixels, with a halo of %d) needs about %s; %s",
				st.eng.Name(), least, halo, graph.FormatBytes(need(to)), fix)
		}
	}
	to, err := build(win)
	if err != nil {
		return nil, err
	}
	host, err := st.fitHost(to, w, h, sc.Iterations)
	if err != nil {
		return nil, err
	}
	if st.r.Notice != nil {
		st.r.Notice(fmt.Sprintf("scale %d/%d (%d×%d) in %d tiles of %d×%d pixels (halo %d%s): about %s on the device, %s in host memory",
			idx+1, len(st.sched), w, h, to.t.count(), to.t.winW, to.t.winH, halo, jitterNote(o), graph.FormatBytes(need(to)), graph.FormatBytes(host)))
	}
	return to, nil
}

// jitterNote says when the tile grid does not move.
func jitterNote(o Options) string {
	if o.TileFixed {
		return ", fixed grid"
	}
	return ""
}

// fitHost checks that a tiled run's host memory fits what the machine
// has available: the image, its gradient and the optimiser's vectors,
// the window scratch and the content targets. An L-BFGS history that
// does not fit is shortened (with a Notice) down to 1 pair; when even
// that does not fit, it is an error before any work. It returns the
// bytes planned.
func (st *state) fitHost(to *tiledObjective, w, h, iters int) (int64, error) {
	o := st.o
	n := int64(3 * w * h)
	fixed := 2*n*4 + 2*int64(to.tg.x.Shape().Len())*4 // image and gradient; window scratch
	for _, l := range o.ContentLayers {
		s := to.tg.feats[l.Name].Shape()
		fw, fh := featureSize(w, h, to.tg.strides[l.Name])
		fixed += int64(s.C*fw*fh) * 4
	}
	st.history = 0
	need := fixed + o.optimiserBytes(int(n), iters)
	avail := availableMemory()
	if st.r.hostMemory != nil {
		avail = st.r.hostMemory()
	}
	if avail <= 0 || need <= avail {
		return need, nil
	}
	if o.Optimizer == "lbfgs" {
		pair := 2 * n * 4
		if fit := (avail - fixed - 4*n*4) / pair; fit >= 1 {
			st.history = int(fit)
			if st.r.Notice != nil {
				st.r.Notice(fmt.Sprintf("L-BFGS history shortened from %d to %d correction pairs to fit the %s of host memory available (or use -optimizer adam)",
					o.History, fit, graph.FormatBytes(avail)))
			}
			return fixed + (4+2*fit)*n*4, nil
		}
	}
	return 0, fmt.Errorf("a %d×%d image needs about %s of host memory for %s and its targets, and %s is available: give a smaller -size%s",
		w, h, graph.FormatBytes(fixed+o.optimiserBytes(int(n), min(iters, 1))), o.Optimizer, graph.FormatBytes(avail), adamHint(o))
}

// adamHint suggests Adam to an L-BFGS run short of memory.
func adamHint(o Options) string {
	if o.Optimizer == "lbfgs" {
		return " or -optimizer adam"
	}
	return ""
}

// availableMemory is the host memory available to a new allocation
// (Linux's MemAvailable), in bytes; 0 when unknown.
func availableMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// runTiled optimises a tiled scale (see tiledObjective), the image and
// the optimiser's vectors in host memory.
func (st *state) runTiled(ctx context.Context, idx int, sc Scale, prev *Image, w, h int, to *tiledObjective) (*Image, error) {
	b := st.eng.Backend()
	content := st.r.Content.Resize(w, h)
	tg, err := st.scaleTargets(sc, content, w, h, to.t.side)
	if err != nil {
		return nil, err
	}
	nc := len(st.o.ContentLayers)
	if err := to.open(b, tg[:nc], tg[nc:]); err != nil {
		return nil, fmt.Errorf("%w (try a smaller -tile or -memory-limit)", err)
	}
	defer to.close(b)
	first, resume, x0, err := st.startAt(idx, prev, content, w, h)
	if err != nil {
		return nil, err
	}
	x := optim.Float32Vector(append([]float32(nil), x0...))
	r := &scaleRun{st: st, ctx: ctx, idx: idx, sc: sc, w: w, h: h, b: b, host: x, evals: map[int]evaluation{}}
	defer r.free()
	r.n, r.samples = first, len(x)
	f := func(xv, gv optim.Vector) (float64, error) {
		loss, terms, err := to.evaluate(b, xv.(optim.Float32Vector), gv.(optim.Float32Vector), r.n+1)
		if err != nil {
			return 0, err
		}
		return r.record(loss, func() (*Terms, error) { return &terms, nil })
	}
	runErr := st.optimise(optim.Float32Space{}, x, f, first, sc.Iterations, resume, r.report)
	return r.finish(runErr)
}

// thumbnail uploads a tiled run's image, shrunk to thumbSide, for
// Request.Frame.
func (r *scaleRun) thumbnail() (graph.Buffer, int, int, error) {
	tw, th := r.w, r.h
	if max(tw, th) > thumbSide {
		tw, th = FitSide(r.w, r.h, thumbSide)
	}
	src := make([]float64, len(r.host))
	for i, v := range r.host {
		src[i] = float64(v)
	}
	small := resizePlanes(src, r.w, r.h, tw, th)
	data := make([]float32, len(small))
	for i, v := range small {
		data[i] = float32(v)
	}
	if r.thumb == nil {
		buf, err := r.b.Alloc(len(data), "preview thumbnail")
		if err != nil {
			return nil, 0, 0, err
		}
		r.thumb = buf
	}
	return r.thumb, tw, th, r.b.Upload(r.thumb, data)
}
