package stylize

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/optim"
)

// runScale optimises at one scale, starting from prev (the previous
// scale's result) when given: it plans the objective and checks that it
// fits, computes the targets, binds the leaves, and runs the optimiser
// with a scaleRun's evaluate and report.
func (st *state) runScale(ctx context.Context, idx int, sc Scale, prev *Image) (*Image, error) {
	w, h := FitSide(st.r.Content.W, st.r.Content.H, sc.Side)
	st.lastHW = [2]int{h, w}
	// The plan is checked against the device before any image is resized
	// or anything allocated.
	ob, to, err := st.fitObjective(idx, sc, w, h)
	if err != nil {
		return nil, err
	}
	if to != nil {
		return st.runTiled(ctx, idx, sc, prev, w, h, to)
	}
	content := st.r.Content.Resize(w, h)
	tg, err := st.scaleTargets(sc, content, w, h, 0)
	if err != nil {
		return nil, err
	}
	r := &scaleRun{st: st, ctx: ctx, idx: idx, sc: sc, w: w, h: h, b: st.eng.Backend(), ob: ob,
		lossBuf: make([]float32, 1), evals: map[int]evaluation{}}
	defer r.free()
	for i, t := range ob.targets {
		if _, err := r.bind(t, tg[i]); err != nil {
			return nil, err
		}
	}
	if err := r.bindMasks(); err != nil {
		return nil, err
	}
	if err := r.bindSliced(); err != nil {
		return nil, err
	}
	if err := r.bindConsts(); err != nil {
		return nil, err
	}
	first, resume, x0, err := st.startAt(idx, prev, content, w, h)
	if err != nil {
		return nil, err
	}
	r.n, r.samples = first, len(x0) // a resumed run re-evaluates its start
	if r.x, err = r.bind(ob.x, x0); err != nil {
		return nil, err
	}
	if r.prog, err = ob.g.Compile(r.b); err != nil {
		return nil, fmt.Errorf("%w (try a smaller -size)", err)
	}
	defer r.prog.Close()
	r.space = st.eng.Space()
	xv := st.eng.Vector(r.x)
	r.gv = st.eng.Vector(ob.x.Grad())
	runErr := st.optimise(r.space, xv, r.evaluate, first, sc.Iterations, resume, r.report)
	return r.finish(runErr)
}

// finish ends a scale's run: the current image, and when the run was
// stopped, its checkpoint.
func (r *scaleRun) finish(runErr error) (*Image, error) {
	x, err := r.iterate() // read once, for the image and the checkpoint
	if err != nil {
		return nil, err
	}
	im := r.st.m.Deprocess(x, r.w, r.h)
	if errors.Is(runErr, ErrStopped) {
		return im, r.st.checkpoint(r.idx, r.w, r.h, x)
	}
	return im, runErr
}

// fitObjective plans scale idx, a w×h image: the whole image's objective
// when it and the optimiser's vectors fit the device (or tiling is off),
// else a tiled objective (see planTiles).
func (st *state) fitObjective(idx int, sc Scale, w, h int) (*objective, *tiledObjective, error) {
	o := st.o
	// Masked runs and the Wasserstein losses are not tiled (yet): each
	// tile would need every style's statistics under its own mask, sorted
	// projections of the whole image, or the whole image's covariance.
	untileable := len(st.r.ContentMasks) > 0 || o.StyleLoss == "sw" || o.StyleLoss == "w2"
	if o.Tile <= 0 || max(w, h) <= o.Tile || untileable {
		sh, err := st.objShape(sc, w, h)
		if err != nil {
			return nil, nil, err
		}
		ob, err := buildObjective(st.m, st.eng.Backend(), o, sh)
		if err != nil {
			return nil, nil, err
		}
		err = checkFits(st.eng, ob.planBytes()+o.optimiserBytes(3*w*h, sc.Iterations), sc.Side, st.sizeAdvice)
		var fe *fitError
		if untileable && errors.As(err, &fe) {
			err = fmt.Errorf("%w (runs with masks or -style-loss sw or w2 are not tiled)", err)
		}
		if err == nil || o.Tile != 0 || untileable || !errors.As(err, &fe) {
			return ob, nil, err
		}
	}
	to, err := st.planTiles(idx, sc, w, h)
	return nil, to, err
}

// scaleTargets computes the targets of scale sc for content, resized to
// w×h: the style images are resized by -style-scale (and their colours
// matched to content with MatchColors).
func (st *state) scaleTargets(sc Scale, content *Image, w, h, tileWin int) ([][]float32, error) {
	o, m := st.o, st.m
	var styleIn, styleMasks [][]float32
	var sizes [][2]int
	for k, s := range st.r.Styles {
		sw, sh := FitSide(s.W, s.H, styleSide(sc.Side, o.StyleScale))
		si := s.Resize(sw, sh)
		if o.MatchColors {
			si = MatchHistogram(si, content)
		}
		styleIn = append(styleIn, m.Preprocess(si))
		sizes = append(sizes, [2]int{sh, sw})
		if st.r.StyleMasks != nil && o.StyleLoss != "sw" {
			// The Gram targets are taken under the style masks; the sliced
			// loss selects its style positions in the objective (objShape).
			styleMasks = append(styleMasks, maskSized(st.r.StyleMasks[k], sw, sh))
		}
	}
	return targets(st.eng, m, o, m.Preprocess(content), h, w, styleIn, sizes, tileWin, st.r.ContentMasks != nil, styleMasks)
}

// startAt is where scale idx starts: from the checkpoint being resumed
// when it stopped at this scale (its iteration, optimiser state and
// image), else from iteration 0 at the initial image.
func (st *state) startAt(idx int, prev, content *Image, w, h int) (first int, resume []byte, x0 []float32, err error) {
	if cp := st.r.Resume; cp != nil && cp.Scale == idx {
		if cp.W != w || cp.H != h {
			return 0, nil, nil, errors.New("the checkpoint's image size differs from this run's: start again without -resume")
		}
		return cp.Iteration, cp.Optimizer, cp.X, nil
	}
	x0, err = st.initial(prev, content, w, h)
	return 0, nil, x0, err
}

// scaleRun is one scale being optimised: the objective compiled for a w×h
// image, the buffers bound to its leaves, and the evaluations waiting
// for their reports.
//
// Iteration k reports evaluation k: the loss of the image iteration k
// starts from, as neural-style-pt prints "Iteration k" (so iteration 1 is
// the starting loss, and the final image's loss is not evaluated).
// L-BFGS evaluates iteration k+1's starting point before iteration k
// ends, so each evaluation's loss, and its terms at a print iteration,
// wait in evals for their report.
type scaleRun struct {
	st   *state
	ctx  context.Context // a cancelled context stops the run at the next report
	idx  int             // the scale's index in st.sched
	sc   Scale
	w, h int
	b    graph.Backend
	ob   *objective
	prog *graph.Program

	leaves  []graph.Buffer // the buffers bound to ob's leaves, freed by free
	x       graph.Buffer   // the image being optimised (one of leaves)
	host    []float32      // a tiled run's image, in host memory (x is nil)
	thumb   graph.Buffer   // a tiled run's image as Request.Frame sees it
	samples int            // x's length, 3·w·h
	space   optim.Space
	gv      optim.Vector // the gradient the graph writes
	sliced  slicedBuffers

	lossBuf []float32 // the loss, read back after every evaluation
	n       int       // evaluations so far at this scale
	evals   map[int]evaluation
}

// evaluation is the loss of one evaluation and, at a print iteration, its
// weighted terms.
type evaluation struct {
	loss  float64
	terms *Terms
}

// bind allocates a buffer for the leaf t, uploads data to it and binds
// it; free frees it.
func (r *scaleRun) bind(t *graph.Tensor, data []float32) (graph.Buffer, error) {
	buf, err := bindLeaf(r.b, t, t.Name(), data)
	if err != nil {
		return nil, err
	}
	r.leaves = append(r.leaves, buf)
	return buf, nil
}

// bindLeaf allocates a buffer named name on b, uploads data into it and
// binds the leaf t to it. The caller frees the buffer; when the upload
// fails bindLeaf frees it.
func bindLeaf(b graph.Backend, t *graph.Tensor, name string, data []float32) (graph.Buffer, error) {
	buf, err := b.Alloc(len(data), name)
	if err != nil {
		return nil, err
	}
	if err := b.Upload(buf, data); err != nil {
		b.Free(buf)
		return nil, err
	}
	t.Bind(buf)
	return buf, nil
}

// bindMasks binds the content masks of a masked run, each at its
// layer's resolution and normalised by its area there (scaledMask).
func (r *scaleRun) bindMasks() error {
	gd := r.ob.guides
	for _, ms := range r.ob.masks {
		s := ms.t.Shape()
		if _, err := r.bind(ms.t, scaledMask(gd.content[ms.style], r.w, r.h, s.W, s.H)); err != nil {
			return err
		}
	}
	return nil
}

// free frees the leaves' buffers and the thumbnail.
func (r *scaleRun) free() {
	for _, l := range r.leaves {
		r.b.Free(l)
	}
	if r.thumb != nil {
		r.b.Free(r.thumb)
	}
}

// printAt says whether iteration it reports the loss terms.
func (r *scaleRun) printAt(it int) bool {
	o := r.st.o
	return o.PrintEvery > 0 && (it%o.PrintEvery == 0 || it == r.sc.Iterations)
}

// evaluate is the optimiser's objective: it runs the program at x (the
// graph's image buffer, which x views), copies the gradient into grad
// and keeps the loss (and at a print iteration the terms) for report.
func (r *scaleRun) evaluate(x, grad optim.Vector) (float64, error) {
	if len(r.ob.dirs) > 0 {
		if err := r.newDirections(r.n + 1); err != nil {
			return 0, err
		}
	}
	r.prog.Run()
	r.space.Copy(grad, r.gv)
	if err := r.b.Download(r.ob.total.Buffer(), r.lossBuf); err != nil {
		return 0, err
	}
	return r.record(float64(r.lossBuf[0]), func() (*Terms, error) { return r.st.terms(r.ob) })
}

// record keeps an evaluation's loss, and at a print iteration its terms,
// for report.
func (r *scaleRun) record(loss float64, terms func() (*Terms, error)) (float64, error) {
	r.n++
	e := evaluation{loss: loss}
	if r.printAt(r.n) {
		t, err := terms()
		if err != nil {
			return 0, err
		}
		e.terms = t
	}
	r.evals[r.n] = e
	if r.st.r.evalHook != nil {
		r.st.r.evalHook(loss)
	}
	return loss, nil
}

// iterate is the image being optimised, in the model's input space.
func (r *scaleRun) iterate() ([]float32, error) {
	if r.host != nil {
		return r.host, nil
	}
	xs := make([]float32, r.samples)
	if err := r.b.Download(r.x, xs); err != nil {
		return nil, err
	}
	return xs, nil
}

// current is the image being optimised, as an image.
func (r *scaleRun) current() (*Image, error) {
	xs, err := r.iterate()
	if err != nil {
		return nil, err
	}
	return r.st.m.Deprocess(xs, r.w, r.h), nil
}

// report ends iteration it: it saves the image when a save is due, then
// reports the iteration once (with the saved path), calls the frame hook,
// and stops the run when the context is done.
func (r *scaleRun) report(it int) error {
	st := r.st
	e, ok := r.evals[it]
	if !ok {
		return fmt.Errorf("stylize: internal error: iteration %d has no evaluation", it)
	}
	delete(r.evals, it)
	st.done++
	p := Progress{Scale: r.idx + 1, Scales: len(st.sched), Side: r.sc.Side, Iteration: it, Iterations: r.sc.Iterations,
		Done: st.done, Total: st.total, Loss: e.loss, Terms: e.terms, Elapsed: time.Since(st.start)}
	if r.saveDue() {
		path, err := r.save()
		if err != nil {
			return err
		}
		p.Saved = path
	}
	if st.r.Progress != nil {
		if err := st.r.Progress(p); err != nil {
			return err
		}
	}
	if err := r.frame(); err != nil {
		return err
	}
	if r.ctx.Err() != nil {
		return ErrStopped
	}
	return nil
}

// saveDue says whether the iteration just done saves an image: every
// SaveEvery iterations over all scales, except the last (the result).
func (r *scaleRun) saveDue() bool {
	st := r.st
	return st.r.Save != nil && st.o.SaveEvery > 0 && st.done%st.o.SaveEvery == 0 && st.done < st.total
}

// save passes the current image, as the run would return it, to
// Request.Save and returns the path it wrote.
func (r *scaleRun) save() (string, error) {
	im, err := r.current()
	if err != nil {
		return "", err
	}
	return r.st.r.Save(r.st.done, r.st.finish(im))
}

// frame flushes the engine's work and passes the iterate to the
// Request.Frame hook, when there is one: a tiled run's image, in host
// memory, as a thumbnail uploaded for it.
func (r *scaleRun) frame() error {
	if r.st.r.Frame == nil {
		return nil
	}
	x, w, h := r.x, r.w, r.h
	if r.host != nil {
		var err error
		if x, w, h, err = r.thumbnail(); err != nil {
			return err
		}
	}
	if err := r.b.Flush(); err != nil {
		return err
	}
	return r.st.r.Frame(x, w, h)
}
