package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/signal"
	"runtime"

	"github.com/vkstyle/vkstyle/cmd/vkstyle/preview"
	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/stylize"
)

// GLFW must be called from the main thread: keep main's goroutine on it.
func init() { runtime.LockOSThread() }

// runPreview is `vkstyle preview`: render's flags, in a live window.
func runPreview(args []string, stdout, stderr io.Writer) error {
	if feedPreviewMode(args) {
		return runPreviewFeed(args, stdout, stderr)
	}
	f, set, model, note, err := parseRender("preview", args, stderr)
	if err != nil {
		return err
	}
	out := ""
	if set["out"] {
		out = f.out
		if err := f.checkPaths(out, ""); err != nil {
			return err
		}
	}
	req, _, err := f.request(model)
	if err != nil {
		return err
	}
	o := req.Options.Defaults()
	w, h := stylize.FitSide(req.Content.W, req.Content.H, o.Size)
	fw, fh := preview.WindowSize(w, h)
	win, err := preview.OpenWindow("vkstyle preview", fw, fh)
	if err != nil {
		if errors.Is(err, preview.ErrNoDisplay) {
			return fmt.Errorf("preview needs a display (%v): run `vkstyle render` with the same flags instead", err)
		}
		return err
	}
	defer win.Close()
	eng, closeEngine, err := openEngine(gpu.Options{Device: f.device, InstanceExtensions: win.Extensions(), Surface: win.Surface()})
	if err != nil {
		return err
	}
	defer closeEngine()
	defer model.Close() // its weights live on the engine's device
	if f.resume != "" {
		if req.Resume, err = stylize.LoadCheckpoint(f.resume); err != nil {
			return err
		}
	}
	var log io.Writer = stderr
	if f.quiet {
		log = nil
	} else {
		fmt.Fprintf(stderr, "vkstyle: previewing with %s on %s; press h for the controls\n", model.Name(), eng.Name())
		if note != "" {
			fmt.Fprintln(stderr, "vkstyle:", note)
		}
	}
	if log != nil {
		req.Notice = func(line string) { fmt.Fprintln(log, "vkstyle:", line) } // how a scale tiles
	}
	s := &preview.Session{
		Window: win, Device: eng.Device(), Engine: eng, Model: model, Convention: model.Net().Convention,
		Request: req, Out: out, SnapshotBase: f.out,
		Save: f.saveOptions(), Log: log,
	}
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals...) // q saves; a signal quits like q
	defer stop()
	stats, err := s.Run(ctx)
	if log != nil && stats.Iterations > 0 {
		fmt.Fprintf(log, "vkstyle: %d iterations in %.1f s of optimisation: %.2f iterations/s with the window (%d frames presented)\n",
			stats.Iterations, stats.Running.Seconds(), stats.PerSecond(), stats.Frames)
	}
	return err
}
