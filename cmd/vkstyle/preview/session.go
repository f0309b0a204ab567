package preview

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vkstyle/vkstyle/gpu"
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
	// Feed, when set, is a feed-forward model run instead of an
	// optimisation (Engine and Model are then unused; Convention is
	// FeedConvention): + and - change Alpha, a dropped file the style or
	// the content.
	Feed  Feed
	Alpha float64
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
//     to the worker (mainloop.go);
//   - the worker runs the optimisation (stylize.Run) and carries out the
//     passed actions between iterations; its frame hook copies each
//     iterate into view, a buffer of the preview's own, in a small
//     submission of its own, and blocks while the run is paused
//     (worker.go, actions.go);
//   - the presenter composes and presents from view (or the final image)
//     whenever it changed or the window needs redrawing, at most MaxFPS
//     times a second. The optimisation never waits for the window
//     (present.go).
//
// The device's queue is shared under its lock (gpu.Device); the
// swapchain records into a command pool of its own, and every upload
// happens on the worker (or before it starts).
//
// The fields are grouped by who may touch them. Lock order: compMu
// before mu (mu is only ever held briefly, never across device work).
type session struct {
	*Session

	// Set before the goroutines start, then read-only. ctx is the run's:
	// cancel (safe from any goroutine) is called by quit and by a
	// presentation error.
	ctx    context.Context
	cancel context.CancelFunc

	// Channels between the goroutines, each with room for what it carries
	// so that no sender blocks.
	acts chan Action   // main → worker: the actions the worker carries out
	wake chan struct{} // main, presenter → worker: look at the actions, the pause and ctx
	kick chan struct{} // worker, main → presenter: something to show

	// Atomics, read and written without a lock.
	fbw, fbh atomic.Int64 // the window's framebuffer size: main writes, the swapchain (presenter) reads
	dirty    atomic.Bool  // the presenter must present again: main and worker set, presenter clears
	colours  atomic.Bool  // original colours: main toggles; presenter and worker read
	// The generation of x last copied (worker) and last presented
	// (presenter): the title (main) says "paused" only once the window
	// shows the paused iterate.
	copiedGen, shownGen atomic.Int64

	// Main thread only.
	lastTitle string // the title last set, so that it is set only when it changes

	// Presenter only (created before the goroutines start).
	sc *gpu.Swapchain

	// Worker only (set before it starts).
	content *stylize.Image // the content the runs use, and the original colours' source
	styles  []*stylize.Image
	blend   []float64
	gx      graph.Buffer // the iterate, during a run (freed by stylize.Run)
	copier  *gpu.Batch   // the submissions that copy the iterate into view
	mark    time.Time    // start of the running interval being timed (written under mu)

	// Under compMu, which the presenter holds while it presents: the
	// composer and what the window shows, x (w×h) and the buffers behind
	// it. Only the worker writes x, w, h, gen, view and finalBuf, so it
	// may read them without the lock.
	compMu   sync.Mutex
	comp     *Composer
	x        gpu.Binding
	w, h     int
	gen      int         // bumped whenever x's contents change
	view     *gpu.Buffer // the copy of the iterate that x shows during a run
	finalBuf *gpu.Buffer // the finished image that x shows after a run

	// Under mu, held briefly only: the state the title shows and the keys
	// change, shared by all three goroutines.
	mu              sync.Mutex
	contentW, styW  float64        // the weights, changed by the keys
	alpha           float64        // a feed-forward model's alpha, changed by the keys
	lastPass        time.Duration  // how long its last pass took
	final           *stylize.Image // the finished run's result
	paused, pending bool           // paused; a restyle waits for the resume
	stopped         bool           // the worker waits in a pause
	prog            stylize.Progress
	stats           Stats
	recent          []time.Time // recent iteration times, for the title's rate
	helpUntil       time.Time
	presentErr      error // set by the presenter before it cancels
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

// run sets the session up (swapchain, composer, copier, the first
// content and style), starts the worker and the presenter, and serves the
// window on the calling (main) thread until the worker ends.
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
	s.contentW, s.styW, s.alpha = o.ContentWeight, o.StyleWeight, s.Alpha
	// With masks the content thumbnail shows each style's region tinted.
	if err := s.comp.SetContent(withRegions(s.content, base.ContentMasks)); err != nil {
		return err
	}
	if len(s.styles) > 0 {
		if err := s.comp.SetStyle(s.styles[0]); err != nil {
			return err
		}
	}
	worker := make(chan error, 1)
	go func() { worker <- s.work(base, o) }()
	stop, stopped := make(chan struct{}), make(chan struct{})
	go s.presentLoop(stop, stopped)
	defer func() { close(stop); <-stopped }()
	return s.mainLoop(worker)
}
