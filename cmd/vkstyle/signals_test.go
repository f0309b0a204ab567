package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vkstyle/vkstyle/stylize"
)

// The first stop signal cancels the run and is named in the stop
// message; a second exits at once with 128 + its number.
func TestWatchStop(t *testing.T) {
	ch := make(chan os.Signal, 2)
	exited := make(chan int, 1)
	notice := &lockedBuffer{}
	ctx, caught, stop := watchStop(ch, notice, func(code int) { exited <- code })
	defer stop()
	if caught() != "" {
		t.Errorf("caught %q before any signal", caught())
	}
	ch <- syscall.SIGTERM
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not stop the run")
	}
	if caught() != "SIGTERM: " {
		t.Errorf("caught %q, want SIGTERM", caught())
	}
	select {
	case code := <-exited:
		t.Fatalf("one signal exited (%d)", code)
	default:
	}
	ch <- syscall.SIGINT
	select {
	case code := <-exited:
		if code != 130 {
			t.Errorf("a second signal (SIGINT) exited with %d, want 130", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a second signal did not exit")
	}
	for _, w := range []string{"SIGTERM: stopping after this iteration", "SIGINT again: exiting at once"} {
		if !strings.Contains(notice.String(), w) {
			t.Errorf("notices %q lack %q", notice.String(), w)
		}
	}
}

// lockedBuffer is a bytes.Buffer written by one goroutine and read by
// another.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Reset empties b.
func (b *lockedBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// SIGTERM and SIGHUP, like Ctrl-C, stop at the next iteration, write the
// image and a checkpoint and say so; the checkpoint resumes. A checkpoint
// whose counters were edited is refused, naming the file, and kept.
func TestRenderStopSignals(t *testing.T) {
	asChild()
	requireDevice(t)
	dir := t.TempDir()
	base := []string{"render", "-model", "embedded", "-size", "32", "-iterations", "60", "-seed", "3"} // long enough that the signal lands mid-run
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		name := signalName(sig)
		out := filepath.Join(dir, name+".png")
		msg, err := stopChild(t, "TestRenderStopSignals", append(base, "-json", "-print-every", "1", "-out", out), sig)
		if err == nil {
			t.Fatalf("%s: the stopped run exited 0", name)
		}
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("%s: %v (%s), want exit status 1 after saving", name, err, msg)
		}
		for _, w := range []string{name + ": stopping after this iteration", name + ": stylize: stopped at iteration", "the image so far is in " + out, "-resume " + out + ".ckpt"} {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: stderr %q lacks %q", name, msg, w)
			}
		}
		if _, err := os.Stat(out); err != nil {
			t.Errorf("%s: no image: %v", name, err)
		}
		cp, err := stylize.LoadCheckpoint(out + ".ckpt")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sig == syscall.SIGHUP {
			continue
		}
		// Item 15: counters out of range are refused and the file is kept.
		edited := filepath.Join(dir, "edited.ckpt")
		cp.Iteration, cp.Done = 10000, 10000
		if err := stylize.SaveCheckpoint(edited, cp); err != nil {
			t.Fatal(err)
		}
		code, _, serr := vkstyle(t, append(base, "-quiet", "-out", out, "-resume", edited)...)
		oneLineError(t, code, serr, "-resume "+edited, "iteration 10000, but scale 1 has 60", "start again without -resume")
		if _, err := os.Stat(edited); err != nil {
			t.Errorf("the refused checkpoint was removed: %v", err)
		}
		code, _, serr = vkstyle(t, append(base, "-quiet", "-out", out, "-resume", out+".ckpt")...)
		if code != 0 {
			t.Fatalf("resume after %s: %s", name, serr)
		}
		if _, err := os.Stat(out + ".ckpt"); err == nil {
			t.Errorf("a finished resume left its checkpoint")
		}
	}
}
