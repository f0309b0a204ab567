package preview

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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

// session is a Session in progress.
type session struct {
	*Session
	ctx  context.Context
	sc   *gpu.Swapchain
	comp *Composer

	content        *stylize.Image
	styles         []*stylize.Image
	blend          []float64
	contentW, styW float64 // the weights, changed by the keys

	// What the window shows: the iterate during a run, the final image's
	// copy afterwards.
	x        gpu.Binding
	gx       graph.Buffer // the iterate, during a run
	w, h     int
	final    *stylize.Image // the finished run's result
	finalBuf *gpu.Buffer

	paused, pending bool // paused; a restyle waits for the resume
	prog            stylize.Progress
	stats           Stats
	mark            time.Time   // start of the running interval being timed
	recent          []time.Time // recent frame times, for the title's rate
	lastPresent     time.Time
	helpUntil       time.Time
	redraw          bool
}

// Run runs the session until the user quits (or the context is done),
// and saves the final image to Out when set. It returns the statistics
// with the error.
func (s *Session) Run(ctx context.Context) (Stats, error) {
	st := &session{Session: s, ctx: ctx}
	err := st.run()
	return st.stats, err
}

func (s *session) logf(format string, args ...any) {
	if s.Log != nil {
		fmt.Fprintf(s.Log, "vkstyle: "+format+"\n", args...)
	}
}

func (s *session) run() error {
	var err error
	if s.sc, err = s.Device.NewSwapchain(s.Window.FramebufferSize); err != nil {
		return err
	}
	defer s.sc.Close()
	if s.comp, err = NewComposer(s.Device, s.Convention); err != nil {
		return err
	}
	defer s.comp.Close()
	defer func() {
		if s.finalBuf != nil {
			s.finalBuf.Close()
		}
	}()
	base := s.Request
	o := base.Options.Defaults()
	s.comp.OriginalColours = o.OriginalColors
	base.Options.OriginalColors = false
	s.content, s.styles, s.blend = base.Content, base.Styles, base.Options.StyleBlend
	s.contentW, s.styW = o.ContentWeight, o.StyleWeight
	if err := s.comp.SetContent(s.content); err != nil {
		return err
	}
	if err := s.comp.SetStyle(s.styles[0]); err != nil {
		return err
	}
	next := base
	for {
		req := next
		req.Content, req.Styles = s.content, s.styles
		req.Options.StyleBlend = s.blend
		req.Options.ContentWeight, req.Options.StyleWeight, req.Options.NoDefaults = s.contentW, s.styW, true
		req.Frame, req.Progress = s.frame, s.progress
		req.CheckpointPath = ""
		next.Resume = nil // only the first run resumes
		s.prog, s.final, s.recent = stylize.Progress{}, nil, nil
		s.mark = time.Now()
		s.setTitle()
		im, runErr := stylize.Run(s.ctx, s.Engine, s.Model, req)
		s.gx, s.x = nil, gpu.Binding{} // freed by Run
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
	s.logf("content weight %g, style weight %g: continuing from the current image (the optimiser starts afresh)", s.contentW, s.styW)
	return r
}

func (s *session) progress(p stylize.Progress) error {
	s.prog = p
	if s.Request.Progress != nil {
		return s.Request.Progress(p)
	}
	return nil
}

// frame is the stylize.Request.Frame hook: it counts the iteration,
// handles the window's events, presents (at most MaxFPS times a second,
// and always when paused) and, while paused, waits.
func (s *session) frame(x graph.Buffer, w, h int) error {
	now := time.Now()
	s.stats.Iterations++
	s.stats.Running += now.Sub(s.mark)
	s.mark = now
	s.recent = append(s.recent, now)
	if len(s.recent) > 20 {
		s.recent = s.recent[1:]
	}
	s.gx, s.w, s.h = x, w, h
	s.x = x.(*vkgraph.Buffer).GPU().Range(0, uint64(12*w*h))
	s.Window.Poll()
	stop := s.handle(s.Window.Actions(), true)
	fps := s.MaxFPS
	if fps <= 0 {
		fps = 30
	}
	if s.paused || s.redraw || s.Window.Dirty() || now.Sub(s.lastPresent) >= time.Duration(float64(time.Second)/fps) {
		if err := s.present(); err != nil {
			return err
		}
	}
	s.setTitle()
	if stop != nil || !s.paused {
		return stop
	}
	err := s.wait(true)
	s.mark, s.recent = time.Now(), nil
	return err
}

// idle shows the finished image im until an action ends the wait.
func (s *session) idle(im *stylize.Image) error {
	s.final = im
	x := s.Model.Preprocess(im)
	if s.finalBuf != nil {
		s.finalBuf.Close()
	}
	buf, err := s.Device.NewBuffer("final image", uint64(4*len(x)))
	if err != nil {
		return err
	}
	s.finalBuf = buf
	if err := buf.WriteFloat32(0, x); err != nil {
		return err
	}
	s.x, s.w, s.h, s.paused = buf.All(), im.W, im.H, false
	s.setTitle()
	if err := s.present(); err != nil {
		return err
	}
	return s.wait(false)
}

// wait handles events until the pause ends (running) or an action ends
// the wait, presenting whenever the window needs it.
func (s *session) wait(running bool) error {
	for {
		s.Window.Wait(0.25)
		stop := s.handle(s.Window.Actions(), running)
		if s.redraw || s.Window.Dirty() {
			if err := s.present(); err != nil {
				return err
			}
		}
		s.setTitle()
		switch {
		case stop != nil:
			return stop
		case running && !s.paused:
			if s.pending {
				s.pending = false
				return errRestyle
			}
			return nil
		}
	}
}

// handle carries out actions; it returns the sentinel that ends the run
// when one asks for that.
func (s *session) handle(actions []Action, running bool) error {
	var stop error
	set := func(err error) {
		if stop == nil {
			stop = err
		}
	}
	restyle := func() {
		if running && s.paused {
			s.pending = true
			return
		}
		set(errRestyle)
	}
	for _, a := range actions {
		switch a.Kind {
		case Pause:
			if running {
				s.paused = !s.paused
				s.redraw = true
			}
		case Snapshot:
			if err := s.snapshot(); err != nil {
				s.logf("snapshot: %v", err)
			}
		case Quit:
			set(errQuit)
		case Restart:
			s.paused, s.pending = false, false
			set(errRestart)
		case Colours:
			s.comp.OriginalColours = !s.comp.OriginalColours
			s.redraw = true
		case StyleUp, StyleDown, ContentUp, ContentDown:
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
			restyle()
		case ShowHelp:
			if s.Log != nil {
				fmt.Fprintln(s.Log, Help)
			}
			s.helpUntil = time.Now().Add(8 * time.Second)
		case DropStyle, DropContent:
			im, err := stylize.Load(a.Path)
			if err != nil {
				s.logf("dropped file: %v", err)
				continue
			}
			if a.Kind == DropContent {
				s.content = im
				if err := s.comp.SetContent(im); err != nil {
					return err
				}
				s.logf("new content %s: restarting from the initial image", a.Path)
				s.paused, s.pending = false, false
				set(errRestart)
				continue
			}
			s.styles, s.blend = []*stylize.Image{im}, nil
			if err := s.comp.SetStyle(im); err != nil {
				return err
			}
			s.logf("new style %s", a.Path)
			restyle()
		}
	}
	return stop
}

// present draws what the window shows now.
func (s *session) present() error {
	s.redraw = false
	if s.x.Buf == nil {
		return nil
	}
	shown, err := s.sc.Present(func(f *gpu.Frame) error { return s.comp.Record(f, s.x, s.w, s.h) })
	if err != nil {
		return err
	}
	s.lastPresent = time.Now()
	if shown {
		s.stats.Frames++
	}
	return nil
}

// setTitle shows the iteration, loss, rate, weights and state.
func (s *session) setTitle() {
	var b strings.Builder
	b.WriteString("vkstyle preview")
	if s.prog.Total > 0 {
		fmt.Fprintf(&b, " · iteration %d/%d · loss %.4g", s.prog.Done, s.prog.Total, s.prog.Loss)
	}
	if n := len(s.recent); n > 1 {
		if d := s.recent[n-1].Sub(s.recent[0]); d > 0 {
			fmt.Fprintf(&b, " · %.2f it/s", float64(n-1)/d.Seconds())
		}
	}
	fmt.Fprintf(&b, " · content %g style %g", s.contentW, s.styW)
	if s.comp != nil && s.comp.OriginalColours {
		b.WriteString(" · original colours")
	}
	switch {
	case s.final != nil:
		b.WriteString(" · finished")
	case s.paused:
		b.WriteString(" · paused")
	}
	if time.Now().Before(s.helpUntil) {
		b.WriteString(" · " + TitleHelp)
	}
	s.Window.SetTitle(b.String())
}

// current is the image shown, on the host, with original colours when
// they are on.
func (s *session) current() (*stylize.Image, error) {
	im := s.final
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
	if !s.comp.OriginalColours {
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
