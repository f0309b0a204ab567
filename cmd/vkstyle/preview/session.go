package preview

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/vkgraph"
	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/stylize"
	"github.com/vkstyle/vkstyle/vgg"
)

// Session is one interactive stylisation: Request runs on Engine while
// Window shows it, and the user's actions steer it (see Help).
type Session struct {
	Window     *Window
	Device     *gpu.Device // opened with Window's surface
	Engine     *stylize.GPU
	Model      stylize.Model
	Convention vgg.Convention // the model's input convention
	// Request is the run the flags ask for. Its OriginalColors is the
	// initial state of the o key, applied to the display and the saves
	// rather than inside the run.
	Request stylize.Request
	// Out, if not "", is where Quit saves the final image.
	Out string
	// SnapshotBase names the snapshots: <base>_snapshot<N><ext> beside it.
	SnapshotBase string
	Save         stylize.SaveOptions
	// Log receives one line per event (snapshots, saves, help); nil: none.
	Log io.Writer
	// MaxFPS limits how often frames are presented while the run goes on;
	// 0 means 30.
	MaxFPS float64
}

// Stats is what a session did, for the closing line and for comparing
// the preview's speed with a headless render.
type Stats struct {
	Iterations int           // optimiser iterations run, over all restarts
	Running    time.Duration // time spent optimising (pauses and idle time excluded)
	Frames     int           // frames presented
}

// PerSecond is the optimisation's rate in iterations per second.
func (s Stats) PerSecond() float64 {
	if s.Running <= 0 {
		return 0
	}
	return float64(s.Iterations) / s.Running.Seconds()
}

// Sentinels that end a stylize.Run from the frame hook.
var (
	errQuit    = errors.New("preview: quit")
	errRestart = errors.New("preview: restart from the initial image")
	errRestyle = errors.New("preview: continue from the current image with new weights or style")
)

// session is a Session in progress. Three goroutines share it:
//
//   - the main thread (GLFW's) answers the window's events and sets the
//     title at MaxFPS, whatever the optimisation does: pause, original
//     colours and help take effect at once, the other actions are passed
//     to the worker;
//   - the worker runs the optimisation (stylize.Run) and carries out the
//     passed actions between iterations; its frame hook copies each
//     iterate into view, a buffer of the preview's own, in a small
//     submission of its own, and blocks while the run is paused;
//   - the presenter composes and presents from view (or the final image)
//     whenever it changed or the window needs redrawing, at most MaxFPS
//     times a second. The optimisation never waits for the window.
//
// The device's queue is shared under its lock (gpu.Device); the
// swapchain records into a command pool of its own, and every upload
// happens on the worker (or before it starts).
type session struct {
	*Session
	ctx    context.Context // the run's: cancelled by quit or a presentation error
	cancel context.CancelFunc
	sc     *gpu.Swapchain
	comp   *Composer

	acts chan Action   // main → worker
	wake chan struct{} // main → worker: look at the actions and the pause
	kick chan struct{} // → presenter: something to show

	fbw, fbh atomic.Int64 // the window's framebuffer size, for the swapchain
	dirty    atomic.Bool  // the presenter must present again
	colours  atomic.Bool  // original colours
	// The generation of x last copied (show) and last presented: the title
	// says "paused" only once the window shows the paused iterate.
	copiedGen, shownGen atomic.Int64

	// Worker only.
	content        *stylize.Image
	styles         []*stylize.Image
	blend          []float64
	gx             graph.Buffer // the iterate, during a run
	copier         *gpu.Batch
	mark           time.Time // start of the running interval being timed
	lastTitle      string    // main only
	presentErr     error     // set by the presenter before it cancels (under mu)
	finalBuf, view *gpu.Buffer

	// Under compMu (the presenter holds it while it presents): what the
	// window shows, the composer, and the buffers behind x.
	compMu sync.Mutex
	x      gpu.Binding
	w, h   int
	gen    int // bumped whenever x's contents change

	// Under mu (held briefly only).
	mu              sync.Mutex
	contentW, styW  float64        // the weights, changed by the keys
	final           *stylize.Image // the finished run's result
	paused, pending bool           // paused; a restyle waits for the resume
	stopped         bool           // the worker waits in a pause
	prog            stylize.Progress
	stats           Stats
	recent          []time.Time // recent iteration times, for the title's rate
	helpUntil       time.Time
}

// Run runs the session until the user quits (or the context is done),
// and saves the final image to Out when set. It returns the statistics
// with the error. Call it on the main thread: it runs the optimisation
// on a goroutine of its own.
func (s *Session) Run(ctx context.Context) (Stats, error) {
	st := newSession(ctx, s)
	defer st.cancel()
	err := st.run()
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.stats, err
}

func newSession(ctx context.Context, s *Session) *session {
	st := &session{Session: s, acts: make(chan Action, 256), wake: make(chan struct{}, 1), kick: make(chan struct{}, 1)}
	st.ctx, st.cancel = context.WithCancel(ctx)
	return st
}

func (s *session) logf(format string, args ...any) {
	if s.Log != nil {
		fmt.Fprintf(s.Log, "vkstyle: "+format+"\n", args...)
	}
}

func (s *session) period() time.Duration {
	fps := s.MaxFPS
	if fps <= 0 {
		fps = 30
	}
	return time.Duration(float64(time.Second) / fps)
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func (s *session) run() error {
	var err error
	w, h := s.Window.FramebufferSize()
	s.fbw.Store(int64(w))
	s.fbh.Store(int64(h))
	if s.sc, err = s.Device.NewSwapchain(func() (int, int) { return int(s.fbw.Load()), int(s.fbh.Load()) }); err != nil {
		return err
	}
	defer s.sc.Close()
	if s.comp, err = NewComposer(s.Device, s.Convention); err != nil {
		return err
	}
	defer s.comp.Close()
	if s.copier, err = s.Device.NewBatch(); err != nil {
		return err
	}
	defer s.copier.Close()
	defer func() {
		for _, b := range []*gpu.Buffer{s.finalBuf, s.view} {
			if b != nil {
				b.Close()
			}
		}
	}()
	base := s.Request
	o := base.Options.Defaults()
	s.colours.Store(o.OriginalColors)
	base.Options.OriginalColors = false
	s.content, s.styles, s.blend = base.Content, base.Styles, base.Options.StyleBlend
	s.contentW, s.styW = o.ContentWeight, o.StyleWeight
	if err := s.comp.SetContent(s.content); err != nil {
		return err
	}
	if err := s.comp.SetStyle(s.styles[0]); err != nil {
		return err
	}
	worker := make(chan error, 1)
	go func() { worker <- s.work(base, o) }()
	stop, stopped := make(chan struct{}), make(chan struct{})
	go s.presentLoop(stop, stopped)
	defer func() { close(stop); <-stopped }()
	for {
		select {
		case err := <-worker:
			s.mu.Lock()
			perr := s.presentErr
			s.mu.Unlock()
			if perr != nil {
				return errors.Join(perr, err)
			}
			return err
		default:
		}
		s.Window.Wait(s.period().Seconds())
		w, h := s.Window.FramebufferSize()
		s.fbw.Store(int64(w))
		s.fbh.Store(int64(h))
		if s.Window.Dirty() {
			s.dirty.Store(true)
			signal(s.kick)
		}
		s.ui(s.Window.Actions())
		s.setTitle()
	}
}

// work is the worker: the runs, one after the other, until the user
// quits.
func (s *session) work(base stylize.Request, o stylize.Options) error {
	next := base
	for {
		req := next
		req.Content, req.Styles = s.content, s.styles
		req.Options.StyleBlend = s.blend
		s.mu.Lock()
		req.Options.ContentWeight, req.Options.StyleWeight, req.Options.NoDefaults = s.contentW, s.styW, true
		s.prog, s.final, s.recent = stylize.Progress{}, nil, nil
		s.mark = time.Now()
		s.mu.Unlock()
		req.Frame, req.Progress = s.frame, s.progress
		req.CheckpointPath = ""
		next.Resume = nil // only the first run resumes
		im, runErr := stylize.Run(s.ctx, s.Engine, s.Model, req)
		s.gx = nil // freed by Run
		switch {
		case errors.Is(runErr, errQuit) || errors.Is(runErr, stylize.ErrStopped):
			return s.quit(im)
		case errors.Is(runErr, errRestart):
			next = base
			continue
		case errors.Is(runErr, errRestyle):
			next = s.restyle(base, im, max(1, s.prog.Total-s.prog.Done))
			continue
		case runErr != nil:
			if im != nil && s.Out != "" {
				if err := s.saveFinal(im); err != nil {
					return errors.Join(runErr, err)
				}
			}
			return runErr
		}
		// Finished: show the result until the user acts.
		s.logf("finished %d iterations: %s", s.prog.Done, TitleHelp)
		switch err := s.idle(im); {
		case errors.Is(err, errQuit):
			return s.quit(im)
		case errors.Is(err, errRestart):
			next = base
		case errors.Is(err, errRestyle):
			next = s.restyle(base, im, o.Iterations)
		default:
			return err
		}
	}
}

// restyle is the request that continues from im, at the final size, for
// iters iterations.
func (s *session) restyle(base stylize.Request, im *stylize.Image, iters int) stylize.Request {
	r := base
	r.Init = im
	r.Options.Init = "the current image"
	r.Options.Scales, r.Options.Auto, r.Options.Iterations = 1, false, iters
	s.mu.Lock()
	cw, sw := s.contentW, s.styW
	s.mu.Unlock()
	s.logf("content weight %g, style weight %g: continuing from the current image (the optimiser starts afresh)", cw, sw)
	return r
}

func (s *session) progress(p stylize.Progress) error {
	s.mu.Lock()
	s.prog = p
	s.mu.Unlock()
	if s.Request.Progress != nil {
		return s.Request.Progress(p)
	}
	return nil
}

// frame is the stylize.Request.Frame hook, on the worker: it counts the
// iteration, copies the iterate for the presenter, carries out the
// actions passed on and, while paused, waits.
func (s *session) frame(x graph.Buffer, w, h int) error {
	now := time.Now()
	s.mu.Lock()
	s.stats.Iterations++
	s.stats.Running += now.Sub(s.mark)
	s.mark = now
	s.recent = append(s.recent, now)
	if len(s.recent) > 20 {
		s.recent = s.recent[1:]
	}
	s.mu.Unlock()
	s.gx = x
	if err := s.show(x.(*vkgraph.Buffer).GPU().Range(0, uint64(12*w*h)), w, h); err != nil {
		return err
	}
	if stop := s.handle(s.drain(), true); stop != nil {
		return stop
	}
	s.mu.Lock()
	paused := s.paused
	s.mu.Unlock()
	if !paused {
		return nil
	}
	err := s.wait(true)
	s.mu.Lock()
	s.mark, s.recent = time.Now(), nil
	s.mu.Unlock()
	return err
}

// show copies the iterate src (w×h) into view, in a submission of its
// own, and has the presenter show it.
func (s *session) show(src gpu.Binding, w, h int) error {
	s.compMu.Lock()
	defer s.compMu.Unlock()
	need := uint64(12 * w * h)
	if s.view == nil || s.view.Size() < need {
		if s.view != nil {
			s.view.Close()
			s.view = nil
			s.x = gpu.Binding{}
		}
		v, err := s.Device.NewBuffer("preview image", need)
		if err != nil {
			return err
		}
		s.view = v
	}
	if err := s.comp.Prepare(w, h); err != nil {
		return err
	}
	if err := s.copier.Reset(); err != nil {
		return err
	}
	dst := s.view.Range(0, need)
	if err := s.copier.Copy(dst, src); err != nil {
		return err
	}
	if err := s.copier.Submit(); err != nil {
		return err
	}
	s.x, s.w, s.h = dst, w, h
	s.gen++
	s.copiedGen.Store(int64(s.gen))
	signal(s.kick)
	return nil
}

// drain takes the actions the main thread passed on.
func (s *session) drain() []Action {
	var a []Action
	for {
		select {
		case x := <-s.acts:
			a = append(a, x)
		default:
			return a
		}
	}
}

// idle shows the finished image im until an action ends the wait.
func (s *session) idle(im *stylize.Image) error {
	x := s.Model.Preprocess(im)
	buf, err := s.Device.NewBuffer("final image", uint64(4*len(x)))
	if err != nil {
		return err
	}
	if err := buf.WriteFloat32(0, x); err != nil {
		buf.Close()
		return err
	}
	s.compMu.Lock()
	if s.finalBuf != nil {
		s.finalBuf.Close()
	}
	s.finalBuf = buf
	s.x, s.w, s.h = buf.All(), im.W, im.H
	err = s.comp.Prepare(im.W, im.H)
	s.gen++
	s.copiedGen.Store(int64(s.gen))
	s.compMu.Unlock()
	if err != nil {
		return err
	}
	signal(s.kick)
	s.mu.Lock()
	s.final, s.paused = im, false
	s.mu.Unlock()
	return s.wait(false)
}

// wait, on the worker, carries out the actions passed on until the pause
// ends (running) or an action ends the wait.
func (s *session) wait(running bool) error {
	if running {
		s.setStopped(true)
		defer s.setStopped(false)
	}
	for {
		if stop := s.handle(s.drain(), running); stop != nil {
			return stop
		}
		if s.ctx.Err() != nil {
			return errQuit
		}
		if running {
			s.mu.Lock()
			paused, pending := s.paused, s.pending
			if !paused {
				s.pending = false
			}
			s.mu.Unlock()
			if !paused {
				if pending {
					return errRestyle
				}
				return nil
			}
		}
		select {
		case <-s.wake:
		case <-s.ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (s *session) setStopped(v bool) {
	s.mu.Lock()
	s.stopped = v
	s.mu.Unlock()
}

// ui, on the main thread, carries out what takes effect at once (pause,
// original colours, help) and passes the other actions to the worker.
func (s *session) ui(actions []Action) {
	for _, a := range actions {
		switch a.Kind {
		case Pause:
			s.mu.Lock()
			if s.final == nil {
				s.paused = !s.paused
			}
			s.mu.Unlock()
		case Colours:
			s.colours.Store(!s.colours.Load())
			s.dirty.Store(true)
			signal(s.kick)
		case ShowHelp:
			if s.Log != nil {
				fmt.Fprintln(s.Log, Help)
			}
			s.mu.Lock()
			s.helpUntil = time.Now().Add(8 * time.Second)
			s.mu.Unlock()
		default:
			if a.Kind == Quit {
				s.cancel() // the run stops after the iteration in progress
			}
			select {
			case s.acts <- a:
			default:
				s.logf("too many keys at once: %v dropped", a.Kind)
			}
		}
	}
	if len(actions) > 0 {
		signal(s.wake)
	}
}

// handle, on the worker, carries out the actions passed on; it returns
// the sentinel that ends the run when one asks for that.
func (s *session) handle(actions []Action, running bool) error {
	var stop error
	set := func(err error) {
		if stop == nil {
			stop = err
		}
	}
	restyle := func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if running && s.paused {
			s.pending = true
			return
		}
		set(errRestyle)
	}
	for _, a := range actions {
		switch a.Kind {
		case Snapshot:
			if err := s.snapshot(); err != nil {
				s.logf("snapshot: %v", err)
			}
		case Quit:
			set(errQuit)
		case Restart:
			s.mu.Lock()
			s.paused, s.pending = false, false
			s.mu.Unlock()
			set(errRestart)
		case StyleUp, StyleDown, ContentUp, ContentDown:
			s.mu.Lock()
			switch a.Kind {
			case StyleUp:
				s.styW *= WeightStep
			case StyleDown:
				s.styW /= WeightStep
			case ContentUp:
				s.contentW *= WeightStep
			case ContentDown:
				s.contentW /= WeightStep
			}
			s.mu.Unlock()
			restyle()
		case DropStyle, DropContent:
			im, err := stylize.LoadMax(a.Path, s.Request.Options.MaxPixels) // 0: the default budget
			if err != nil {
				s.logf("dropped file: %v", err)
				continue
			}
			if a.Kind == DropContent {
				s.content = im
				s.compMu.Lock()
				err := s.comp.SetContent(im)
				if err == nil && s.x.Buf != nil {
					err = s.comp.Prepare(s.w, s.h)
				}
				s.dirty.Store(true)
				s.compMu.Unlock()
				if err != nil {
					return err
				}
				s.logf("new content %s: restarting from the initial image", a.Path)
				s.mu.Lock()
				s.paused, s.pending = false, false
				s.mu.Unlock()
				set(errRestart)
				continue
			}
			s.styles, s.blend = []*stylize.Image{im}, nil
			s.compMu.Lock()
			err = s.comp.SetStyle(im)
			s.dirty.Store(true)
			s.compMu.Unlock()
			if err != nil {
				return err
			}
			s.logf("new style %s", a.Path)
			restyle()
		}
	}
	return stop
}

// presentLoop is the presenter: it presents whenever what the window
// shows changed, at most once a period, until stop is closed. An error
// ends the session.
func (s *session) presentLoop(stop <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)
	t := time.NewTicker(s.period())
	defer t.Stop()
	last := -1
	for {
		select {
		case <-stop:
			return
		case <-s.kick:
		case <-t.C:
		}
		if err := s.present(&last); err != nil {
			s.mu.Lock()
			s.presentErr = err
			s.mu.Unlock()
			s.cancel()
			signal(s.wake)
			return
		}
		select { // at most one frame a period
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// present draws what the window shows when it changed since generation
// *last, or the window needs it.
func (s *session) present(last *int) error {
	s.compMu.Lock()
	defer s.compMu.Unlock()
	dirty := s.dirty.Swap(false)
	if s.x.Buf == nil || (s.gen == *last && !dirty) {
		return nil
	}
	s.comp.OriginalColours = s.colours.Load()
	shown, err := s.sc.Present(func(f *gpu.Frame) error { return s.comp.Record(f, s.x, s.w, s.h) })
	if err != nil {
		return err
	}
	*last = s.gen
	if shown {
		s.shownGen.Store(int64(s.gen))
		s.mu.Lock()
		s.stats.Frames++
		s.mu.Unlock()
	} else {
		s.dirty.Store(true) // minimised, or no image free: try again
	}
	return nil
}

// setTitle, on the main thread, shows the iteration, loss, rate, weights
// and state.
func (s *session) setTitle() {
	s.mu.Lock()
	prog, recent, cw, sw := s.prog, s.recent, s.contentW, s.styW
	final, paused, stopped, help := s.final != nil, s.paused, s.stopped, time.Now().Before(s.helpUntil)
	s.mu.Unlock()
	var b strings.Builder
	b.WriteString("vkstyle preview")
	if prog.Total > 0 {
		fmt.Fprintf(&b, " · iteration %d/%d · loss %.4g", prog.Done, prog.Total, prog.Loss)
	}
	if n := len(recent); n > 1 {
		if d := recent[n-1].Sub(recent[0]); d > 0 {
			fmt.Fprintf(&b, " · %.2f it/s", float64(n-1)/d.Seconds())
		}
	}
	fmt.Fprintf(&b, " · content %g style %g", cw, sw)
	if s.colours.Load() {
		b.WriteString(" · original colours")
	}
	switch {
	case final:
		b.WriteString(" · finished")
	case paused && stopped && s.shownGen.Load() == s.copiedGen.Load():
		b.WriteString(" · paused")
	case paused: // the iteration in progress completes first, and shows
		b.WriteString(" · pausing")
	}
	if help {
		b.WriteString(" · " + TitleHelp)
	}
	if t := b.String(); t != s.lastTitle {
		s.lastTitle = t
		s.Window.SetTitle(t)
	}
}

// current is the image shown, on the host, with original colours when
// they are on.
func (s *session) current() (*stylize.Image, error) {
	s.mu.Lock()
	im := s.final
	s.mu.Unlock()
	if im == nil {
		if s.gx == nil {
			return nil, errors.New("no image yet")
		}
		x := make([]float32, s.gx.Len())
		if err := s.Engine.Backend().Download(s.gx, x); err != nil {
			return nil, err
		}
		im = s.Model.Deprocess(x, s.w, s.h)
	}
	return s.coloured(im), nil
}

func (s *session) coloured(im *stylize.Image) *stylize.Image {
	if !s.colours.Load() {
		return im
	}
	return stylize.KeepColours(im, s.content.Resize(im.W, im.H))
}

// snapshot saves the image shown as the next free <base>_snapshot<N>.
func (s *session) snapshot() error {
	im, err := s.current()
	if err != nil {
		return err
	}
	path := SnapshotPath(s.SnapshotBase)
	if err := stylize.Save(path, im, s.Save); err != nil {
		return err
	}
	s.logf("saved snapshot %s", path)
	return nil
}

// SnapshotPath is the first <base>_snapshot<N><ext> (N from 1) that does
// not exist yet, ext being base's extension (.png when it has none).
func SnapshotPath(base string) string {
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	if ext == "" {
		ext = ".png"
	}
	for n := 1; ; n++ {
		p := fmt.Sprintf("%s_snapshot%d%s", stem, n, ext)
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return p
		}
	}
}

// quit saves im to Out when set.
func (s *session) quit(im *stylize.Image) error {
	if im == nil || s.Out == "" {
		return nil
	}
	return s.saveFinal(im)
}

func (s *session) saveFinal(im *stylize.Image) error {
	if err := stylize.Save(s.Out, s.coloured(im), s.Save); err != nil {
		return err
	}
	s.logf("wrote %s (%d×%d)", s.Out, im.W, im.H)
	return nil
}
