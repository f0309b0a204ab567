package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vkstyle/vkstyle/cmd/vkstyle/preview"
)

// Without a display, preview fails at once with one line that points to
// render.
func TestPreviewNoDisplay(t *testing.T) {
	for _, display := range []string{"", ":9999"} { // unset; no server there
		t.Setenv("DISPLAY", display)
		t.Setenv("WAYLAND_DISPLAY", "")
		code, _, stderr := vkstyle(t, "preview", "-model", "embedded", "-size", "32")
		oneLineError(t, code, stderr, "display", "vkstyle render")
	}
}

// xvfb starts a virtual X server and returns its DISPLAY once a client
// can connect to it, skipping the test (with the reason) when it or the
// tools the test drives it with are missing (failing it with
// VKSTYLE_REQUIRE_GPU=1: see skipMissing). A server that reports its
// display but refuses clients is started again, up to three times, and
// its own log is shown when the test fails.
func xvfb(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			skipMissing(t, "%s is not installed (Debian: xvfb, xdotool, imagemagick; ./build.sh installs them)", tool)
		}
	}
	var tried []string
	for attempt := 0; attempt < 3; attempt++ {
		display, log, stop := startXvfb(t)
		if display == "" {
			stop()
			tried = append(tried, "no display reported: "+log.String())
			continue
		}
		if connects(display, 10*time.Second) {
			t.Cleanup(func() {
				stop()
				if t.Failed() {
					t.Logf("Xvfb %s log:\n%s", display, log.String())
				}
			})
			return display
		}
		stop()
		tried = append(tried, fmt.Sprintf("%s refused clients: %s", display, log.String()))
	}
	skipMissing(t, "Xvfb did not give a usable display in three starts:\n%s", strings.Join(tried, "\n"))
	return ""
}

// startXvfb starts one Xvfb that picks a free display itself, and returns
// that display ("" if none was reported within 10 s), the server's log,
// and a function that stops it.
func startXvfb(t *testing.T) (string, *lockedBuffer, func()) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	log := new(lockedBuffer)
	// -noreset: by default an X server resets when its last client
	// disconnects and refuses connections while it does, so the probe's
	// xdotool leaving could make the preview that connects next fail
	// with "cannot open display" (seen in CI).
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "800x600x24", "-nolisten", "tcp", "-noreset")
	x.ExtraFiles = []*os.File{w}
	x.Stderr = log
	if err := x.Start(); err != nil {
		w.Close()
		skipMissing(t, "Xvfb does not start: %v", err)
	}
	w.Close()
	stop := func() { x.Process.Kill(); x.Wait() }
	num := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		num <- strings.TrimSpace(line)
	}()
	select {
	case n := <-num:
		if n == "" {
			return "", log, stop
		}
		return ":" + n, log, stop
	case <-time.After(10 * time.Second):
		return "", log, stop
	}
}

// connects reports whether an X client can open display within limit.
func connects(display string, limit time.Duration) bool {
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		cmd := exec.Command("xdotool", "getdisplaygeometry")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if cmd.Run() == nil {
			return true
		}
	}
	return false
}

// x runs an X client on display and returns its output.
func x(t *testing.T, display string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// poll calls f every 100 ms until it is true or the deadline passes.
func poll(t *testing.T, what string, limit time.Duration, f func() bool) {
	t.Helper()
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if f() {
			return
		}
	}
	t.Fatalf("timed out after %v waiting for %s", limit, what)
}

var titleIteration = regexp.MustCompile(`iteration (\d+)/`)

// `vkstyle preview` under Xvfb on the test's device: the window shows the
// image forming, a pause stops it, the picture agrees with the snapshot
// the s key saves, and q quits saving -out, all with the validation
// layer silent.
func TestPreviewUnderXvfb(t *testing.T) {
	if os.Getenv("VKSTYLE_TEST_CHILD") == "1" {
		runtime.LockOSThread() // GLFW: one thread throughout
		os.Exit(run(strings.Split(os.Args[len(os.Args)-1], "\x1f"), os.Stdout, os.Stderr))
	}
	requireDevice(t)
	display := xvfb(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.png")
	done, stderr := startPreview(t, display, "-model", "embedded", "-size", "48", "-iterations", "1000", "-out", out)
	win, title, iteration, key := previewWindow(t, display)
	capture := func(name string) *image.RGBA {
		p := filepath.Join(dir, name+".png")
		x(t, display, "import", "-window", win, p)
		return decodeRGBA(t, p)
	}

	poll(t, "iteration 3", 30*time.Second, func() bool { return iteration() >= 3 })
	early := capture("early")
	it := iteration()
	poll(t, "more iterations", 30*time.Second, func() bool { return iteration() >= it+3 })
	key("space")
	// "pausing" shows at once, "paused" once the iteration in progress
	// has completed and the run waits.
	poll(t, "the pause", 10*time.Second, func() bool { return strings.Contains(title(), "paused") })
	paused := iteration()
	first := capture("paused1")
	time.Sleep(time.Second)
	second := capture("paused2")
	if n := iteration(); n != paused {
		t.Errorf("iteration %d a second after pausing at %d: the pause does not stop the run", n, paused)
	}
	if !bytes.Equal(first.Pix, second.Pix) {
		t.Errorf("two captures during a pause differ")
	}
	if bytes.Equal(early.Pix, first.Pix) {
		t.Errorf("the window shows the same picture at iterations 3 and %d", paused)
	}

	key("s")
	snap := strings.TrimSuffix(out, ".png") + "_snapshot1.png"
	poll(t, "the snapshot", 10*time.Second, func() bool { _, err := os.Stat(snap); return err == nil })
	snapshot := decodeRGBA(t, snap)
	if worst, where := showsDiff(first, snapshot); worst > 1.5 {
		t.Errorf("the window does not show the snapshot: worst difference %.1f at %s", worst, where)
	}

	// Resizing recreates the swapchain and keeps the aspect ratio.
	x(t, display, "xdotool", "windowsize", "--sync", win, "600", "260")
	var resized *image.RGBA
	poll(t, "the resized window to show the image", 10*time.Second, func() bool {
		resized = capture("resized")
		worst, _ := showsDiff(resized, snapshot)
		return resized.Rect.Dx() == 600 && resized.Rect.Dy() == 260 && worst <= 1.5
	})

	quit(t, key, done)
	if _, err := os.Stat(out); err != nil {
		t.Errorf("quitting did not save -out: %v", err)
	}
	if strings.Contains(stderr.String(), "validation") {
		t.Errorf("validation messages:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "iterations/s with the window") {
		t.Errorf("no closing rate line in %q", stderr.String())
	}
}

// startPreview runs `vkstyle preview args…` on display in a child
// process (killed at the end of the test, its stderr logged on failure).
// quit presses q and waits for the preview to exit cleanly.
func quit(t *testing.T, key func(string), done chan error) {
	t.Helper()
	key("q")
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Fatalf("preview exited with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("preview did not quit on q")
	}
}

// startPreview runs `vkstyle preview args...` on display in a child
// process and returns a channel that receives its exit and its stderr.
// A child that could not open the display (it exits at once with
// "preview needs a display") is started again, up to twice, with the
// reason logged: the server answered the probe, so that is a transient
// refusal, not the failure under test.
func startPreview(t *testing.T, display string, args ...string) (chan error, *lockedBuffer) {
	t.Helper()
	args = append([]string{"preview"}, args...)
	stderr := new(lockedBuffer)
	var mu sync.Mutex // guards current and stopped
	var current *exec.Cmd
	stopped := false
	start := func() (*exec.Cmd, error) {
		child := exec.Command(os.Args[0], "-test.run=^TestPreviewUnderXvfb$", strings.Join(args, "\x1f"))
		child.Env = append(os.Environ(), "VKSTYLE_TEST_CHILD=1", "DISPLAY="+display)
		child.Stderr = stderr
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return nil, errors.New("test ended")
		}
		current = child
		return child, child.Start()
	}
	child, err := start()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for attempt := 1; ; attempt++ {
			err := child.Wait()
			if err == nil || attempt == 3 || !strings.Contains(stderr.String(), "preview needs a display") {
				done <- err
				return
			}
			t.Logf("preview could not open %s (attempt %d), starting it again: %s", display, attempt, stderr.String())
			stderr.Reset()
			time.Sleep(500 * time.Millisecond)
			if child, err = start(); err != nil {
				done <- err
				return
			}
		}
	}()
	t.Cleanup(func() {
		select {
		case err := <-done:
			done <- err
		default:
			mu.Lock()
			stopped = true
			current.Process.Kill()
			mu.Unlock()
			done <- <-done
		}
		if t.Failed() {
			t.Logf("preview's stderr:\n%s", stderr.String())
		}
	})
	return done, stderr
}

// previewWindow waits for the preview's window on display and returns
// its id, and functions that read its title and the iteration in it, and
// send it a key.
func previewWindow(t *testing.T, display string) (win string, title func() string, iteration func() int, key func(string)) {
	t.Helper()
	poll(t, "the preview window", 30*time.Second, func() bool {
		cmd := exec.Command("xdotool", "search", "--name", "vkstyle preview")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		o, _ := cmd.Output()
		win = strings.TrimSpace(strings.Split(string(o), "\n")[0])
		return win != ""
	})
	title = func() string { return x(t, display, "xdotool", "getwindowname", win) }
	iteration = func() int {
		m := titleIteration.FindStringSubmatch(title())
		if m == nil {
			return 0
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	key = func(k string) {
		x(t, display, "xdotool", "windowfocus", "--sync", win)
		x(t, display, "xdotool", "key", k)
	}
	return win, title, iteration, key
}

// The window answers while an iteration runs: with iterations of about a
// second (Adam at 512 px on lavapipe), space shows "pausing" in the title
// before the iteration in progress completes; then that iteration
// completes, the title says "paused", no other iteration starts, and q
// quits.
func TestPreviewAnswersDuringIteration(t *testing.T) {
	requireDevice(t)
	display := xvfb(t)
	done, stderr := startPreview(t, display, "-model", "embedded", "-size", "512", "-optimizer", "adam", "-iterations", "1000", "-quiet")
	_, title, iteration, key := previewWindow(t, display)
	// Limits for SwiftShader, where the first iteration at 512² takes
	// about 30 s with its pipelines compiled, and each later one 15 s.
	poll(t, "iteration 1", 120*time.Second, func() bool { return iteration() >= 1 })
	// Catch the start of an iteration, then press space at once.
	n := iteration()
	poll(t, "the next iteration", 60*time.Second, func() bool { return iteration() > n })
	n = iteration()
	start := time.Now()
	key("space")
	var shown string
	poll(t, "the pause", 10*time.Second, func() bool { shown = title(); return strings.Contains(shown, "paus") })
	took := time.Since(start)
	if !strings.Contains(shown, "pausing") {
		t.Skipf("the title showed %q %v after the key: the iteration in progress finished first (too fast a device for this test)", shown, took)
	}
	if m := titleIteration.FindStringSubmatch(shown); m == nil || m[1] != strconv.Itoa(n) {
		t.Errorf("the title showed %q while pausing after iteration %d", shown, n)
	}
	t.Logf("%q %v after the key", shown, took)
	poll(t, "the run to stop", 60*time.Second, func() bool { shown = title(); return strings.Contains(shown, "paused") })
	stopped := iteration()
	if stopped != n && stopped != n+1 {
		t.Errorf("the pause during iteration %d stopped the run at iteration %d", n+1, stopped)
	}
	time.Sleep(2 * time.Second)
	if got := iteration(); got != stopped {
		t.Errorf("iteration %d two seconds after the pause at %d: the pause does not stop the run", got, stopped)
	}
	quit(t, key, done)
	if strings.Contains(stderr.String(), "validation") {
		t.Errorf("validation messages:\n%s", stderr.String())
	}
}

// showsDiff compares the window capture with im where preview.Layout
// puts the image: im resampled bilinearly (align corners false, as the
// present kernel does) against the capture. It returns the worst
// difference in steps of 8 bits and where it is. The snapshot is rounded
// to 8 bits before resampling and the window after, so a frame of the
// same iterate differs by less than 1.5; the previous iterate's by far
// more.
func showsDiff(capture *image.RGBA, im *image.RGBA) (float64, string) {
	fw, fh := capture.Rect.Dx(), capture.Rect.Dy()
	r := preview.Layout(fw, fh, im.Rect.Dx(), im.Rect.Dy(), 1, 1, 1, 1).Image
	tap := func(o, n, s int) (int, int, float64) {
		c := max((float64(o)+0.5)*float64(s)/float64(n)-0.5, 0)
		i0 := min(int(c), s-1)
		return i0, min(i0+1, s-1), c - float64(i0)
	}
	worst, where := 0.0, ""
	for oy := 0; oy < r.H; oy++ {
		y0, y1, fy := tap(oy, r.H, im.Rect.Dy())
		for ox := 0; ox < r.W; ox++ {
			x0, x1, fx := tap(ox, r.W, im.Rect.Dx())
			for c := range 3 {
				at := func(x, y int) float64 { return float64(im.Pix[y*im.Stride+4*x+c]) }
				want := (at(x0, y0)*(1-fx)+at(x1, y0)*fx)*(1-fy) + (at(x0, y1)*(1-fx)+at(x1, y1)*fx)*fy
				got := float64(capture.Pix[(r.Y+oy)*capture.Stride+4*(r.X+ox)+c])
				if d := max(got-want, want-got); d > worst {
					worst, where = d, fmt.Sprintf("(%d, %d) channel %d: window %v, snapshot %.1f", r.X+ox, r.Y+oy, c, got, want)
				}
			}
		}
	}
	return worst, where
}

func decodeRGBA(t *testing.T, path string) *image.RGBA {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	im, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := image.NewRGBA(image.Rect(0, 0, im.Bounds().Dx(), im.Bounds().Dy()))
	for y := 0; y < out.Rect.Dy(); y++ {
		for x := 0; x < out.Rect.Dx(); x++ {
			out.Set(x, y, im.At(im.Bounds().Min.X+x, im.Bounds().Min.Y+y))
		}
	}
	return out
}
