package stylize

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/vkstyle/vkstyle/graph"
)

// Progress is what a run reports, once after every iteration: Terms only
// when the iteration is a multiple of Options.PrintEvery, or the last;
// Saved when the iteration saved an image.
type Progress struct {
	Scale, Scales int // 1-based index of the current scale, and their count
	Side          int // the current scale's longer side
	Iteration     int // iterations done at this scale
	Iterations    int // iterations planned at this scale
	Done, Total   int // iterations done and planned over all scales
	Loss          float64
	Terms         *Terms // the loss terms, weighted; nil when not read back
	Elapsed       time.Duration
	Saved         string // the path Request.Save wrote at this iteration, if it saved
}

// Terms are the weighted loss terms of one evaluation.
type Terms struct {
	Content, Style, TV float64
}

// Request is one stylisation: the images and what to do with them.
type Request struct {
	Content *Image
	Styles  []*Image
	// ContentMasks, if not nil, has one mask per style: where in the
	// result that style applies (white; grey weighs partly; see
	// masks.go). StyleMasks, if not nil (only with ContentMasks), has one
	// per style too: which part of the style image its statistics come
	// from. Masks of another size than their image are resized.
	ContentMasks, StyleMasks []*Image
	Init                     *Image // with Options.Init naming a file: the loaded image
	Options                  Options
	// Progress, if not nil, receives reports; an error from it stops the
	// run (with the current image returned).
	Progress func(Progress) error
	// Save, if not nil, is called every Options.SaveEvery iterations
	// (before that iteration's Progress) with the iteration number over
	// all scales and the current image, and returns the path it wrote
	// (reported in that Progress's Saved).
	Save func(iteration int, im *Image) (string, error)
	// CheckpointPath, if set, is where a run stopped by its context writes
	// a Checkpoint (and Resume continues from one).
	CheckpointPath string
	// Resume, if not nil, continues a stopped run from its checkpoint. The
	// options and images must be those of the stopped run.
	Resume *Checkpoint
	// Frame, if not nil, is called after every iteration (after Save and
	// Progress) with the buffer of the image being optimised: 3×h×w
	// float32, planar, in the model's input space, on the engine's
	// device. It is called between submissions: the engine has no work
	// pending, so the buffer holds the current iterate and the caller may
	// submit its own work that reads it (a live preview). It must not
	// write to x or keep it past the call. An error from it stops the run
	// like a Progress error: Run returns the current image with it.
	Frame func(x graph.Buffer, w, h int) error

	// Notice, if not nil, receives one line about how a scale runs when
	// it is not the plain way: tiled (how, and the memory it plans for),
	// or with a shorter L-BFGS history than asked for.
	Notice func(string)

	// evalHook, for tests, sees the loss of every evaluation.
	evalHook func(loss float64)
	// hostMemory, for tests, replaces availableMemory.
	hostMemory func() int64
}

// ErrStopped is returned (wrapped) when the context was cancelled: the
// image returned with it is the current iterate.
var ErrStopped = errors.New("stylize: stopped")

// Run stylises r.Content with r.Styles on eng using network m. It returns
// the result (with the content's colours when OriginalColors). When it
// stops early (cancelled context, a NaN, a progress error) it returns the
// last good image with the error.
func Run(ctx context.Context, eng Engine, m Model, r Request) (*Image, error) {
	o := r.Options.Defaults()
	if err := o.Validate(len(r.Styles), m.Layers()); err != nil {
		return nil, err
	}
	if r.Content == nil {
		return nil, errors.New("stylize: no content image")
	}
	if err := r.CheckMasks(); err != nil {
		return nil, err
	}
	sched := Schedule(o)
	if err := checkSizes(m, r, o, sched); err != nil {
		return nil, err
	}
	total := 0
	for _, s := range sched {
		total += s.Iterations
	}
	if o.MemoryLimit > 0 {
		// An eighth of the limit for the backend's own scratch, which the
		// tiles' plans leave room for (tileReserve).
		if s, ok := eng.(scratcher); ok {
			s.LimitScratch(o.MemoryLimit / 8)
		}
		eng = limited{eng, o.MemoryLimit}
	}
	st := &state{eng: eng, m: m, r: r, o: o, sched: sched, total: total, start: time.Now(), fp: fingerprint(m, r, o)}
	from := 0
	if cp := r.Resume; cp != nil {
		if cp.Fingerprint != st.fp {
			return nil, errors.New("the checkpoint was written by a run with other options or images: resume with the same ones, or start again without -resume")
		}
		if err := cp.fits(sched, r.Content.W, r.Content.H); err != nil {
			return nil, err
		}
		from, st.done, st.adam = cp.Scale, cp.Done, cp.Adam
	}
	var prev *Image
	for i := from; i < len(sched); i++ {
		im, err := st.runScale(ctx, i, sched[i], prev)
		if im != nil {
			prev = im
		}
		if err != nil {
			return st.finish(prev), err
		}
	}
	return st.finish(prev), nil
}

// state is one run in progress.
type state struct {
	eng   Engine
	m     Model
	r     Request
	o     Options
	sched []Scale
	total int
	done  int
	start time.Time
	fp    string // fingerprint of the run, for checkpoints
	adam  *AdamCarry
	// stopped is the optimiser state when report stopped the run.
	stopped []byte
	// lastHW is the height and width of the scale being optimised.
	lastHW [2]int
	// history, when not 0, is the L-BFGS history of the scale being
	// optimised, shortened to fit host memory (see planTiles).
	history int
}

func (st *state) finish(im *Image) *Image {
	if im == nil || !st.o.OriginalColors {
		return im
	}
	content := st.r.Content.Resize(im.W, im.H)
	return KeepColours(im, content)
}

// checkpoint writes the stopped run's checkpoint (when the request asks
// for one) with the iterate x of the w×h image at scale idx, and returns
// the error that reports the stop.
func (st *state) checkpoint(idx, w, h int, x []float32) error {
	stop := fmt.Errorf("%w at iteration %d of %d", ErrStopped, st.done, st.total)
	if st.r.CheckpointPath == "" {
		return stop
	}
	it := st.done
	for _, sc := range st.sched[:idx] {
		it -= sc.Iterations
	}
	cp := &Checkpoint{Fingerprint: st.fp, Scale: idx, Iteration: it, Done: st.done, W: w, H: h,
		X: x, Optimizer: st.stopped, Adam: st.adam}
	if err := SaveCheckpoint(st.r.CheckpointPath, cp); err != nil {
		return fmt.Errorf("%w; %w: %v", stop, ErrCheckpointFailed, err)
	}
	return stop
}

// terms reads back the weighted loss terms of the last evaluation.
func (st *state) terms(ob *objective) (*Terms, error) {
	b := st.eng.Backend()
	v := make([]float32, 1)
	read := func(t *graph.Tensor) (float64, error) {
		if err := b.Download(t.Buffer(), v); err != nil {
			return 0, err
		}
		return float64(v[0]), nil
	}
	var t Terms
	for i, l := range st.o.ContentLayers {
		x, err := read(ob.content[i])
		if err != nil {
			return nil, err
		}
		t.Content += st.o.ContentWeight * l.Weight * x
	}
	for i, loss := range ob.style {
		x, err := read(loss)
		if err != nil {
			return nil, err
		}
		t.Style += ob.styleW[i] * x
	}
	x, err := read(ob.tv)
	if err != nil {
		return nil, err
	}
	t.TV = st.o.TVWeight / 2 * x
	return &t, nil
}

// initial returns the starting image in network space: the previous
// scale's result resized, or the Init option.
func (st *state) initial(prev, content *Image, w, h int) ([]float32, error) {
	m := st.m
	if prev != nil {
		return m.Preprocess(prev.Resize(w, h)), nil
	}
	switch st.o.Init {
	case "content":
		return m.Preprocess(content), nil
	case "gray":
		im := NewImage(w, h)
		for i := range im.Pix {
			im.Pix[i] = 0.5
		}
		return m.Preprocess(im), nil
	case "random":
		// neural-style: randn × 0.001 in Caffe units.
		r := rand.New(rand.NewPCG(st.o.Seed, 0x76_6b_73_74_79_6c_65))
		sigma := 0.001 * m.InputScale() / 255
		x := make([]float32, 3*w*h)
		for i := range x {
			x[i] = float32(r.NormFloat64() * sigma)
		}
		return x, nil
	}
	if st.r.Init == nil {
		return nil, fmt.Errorf("init %q: give random, content, gray or an image file", st.o.Init)
	}
	return m.Preprocess(st.r.Init.Resize(w, h)), nil
}
