package vgg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// quick are timeouts a test can wait out.
var quick = Timeouts{Connect: 500 * time.Millisecond, TLS: 500 * time.Millisecond, Idle: 400 * time.Millisecond, Source: 5 * time.Second}

// A server that sends its headers and a few bytes, then nothing: the
// attempt ends after the idle timeout, each source fails on a line of its
// own, the last line says how to download by hand, and the .part file
// with the bytes received is kept for a resume.
func TestFetchStalledAfterHeaders(t *testing.T) {
	data := readFixture(t, "tiny19.pth")
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data[:100])
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release) // before srv.Close, which waits for the handlers
	opts, _, log := fetchOpts(t)
	opts.Timeouts = quick
	f := File{Model: "vgg19", Source: "test", Name: "tiny19.pth", Size: int64(len(data)), SHA256: sha(data),
		Convention: Torchvision, Arch: tiny19, URLs: []string{srv.URL + "/a.pth", srv.URL + "/b.pth"}}
	start := time.Now()
	_, err := Fetch(context.Background(), []File{f}, opts)
	took := time.Since(start)
	if err == nil {
		t.Fatal("a stalled download succeeded")
	}
	if limit := 2*(quick.Idle) + 2*time.Second; took > limit {
		t.Errorf("two stalled sources took %v; the idle timeout is %v", took, quick.Idle)
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	var failed []string
	for _, l := range lines {
		if strings.Contains(l, "no data for") {
			failed = append(failed, l)
		}
	}
	if len(failed) != 2 || !strings.Contains(failed[0], "/a.pth") || !strings.Contains(failed[1], "/b.pth") {
		t.Errorf("want one line per stalled source, got:\n%s", log.String())
	}
	var fe *FetchError
	if !errors.As(err, &fe) || len(fe.Failures) != 2 || fe.Path != filepath.Join(opts.Dir, "tiny19.pth") || fe.URL != f.URLs[0] {
		t.Errorf("final error: %#v", err)
	}
	part, err := os.ReadFile(filepath.Join(opts.Dir, "tiny19.pth.part"))
	if err != nil || len(part) != 100 {
		t.Errorf("the .part file: %d bytes, %v; want the 100 received", len(part), err)
	}
}

// The deadline per source ends a transfer that trickles: bytes keep
// coming (so the idle timeout never fires) but too slowly.
func TestFetchSourceDeadline(t *testing.T) {
	data := readFixture(t, "tiny19.pth")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		for i := range data {
			if _, err := w.Write(data[i : i+1]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-time.After(50 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
	}))
	defer srv.Close()
	opts, _, _ := fetchOpts(t)
	opts.Timeouts = quick
	opts.Timeouts.Source = time.Second
	opts.Log = nil
	f := File{Model: "vgg19", Source: "test", Name: "tiny19.pth", Size: int64(len(data)), Convention: Torchvision, Arch: tiny19,
		URLs: []string{srv.URL + "/slow.pth"}}
	start := time.Now()
	_, err := Fetch(context.Background(), []File{f}, opts)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("a 1 s deadline took %v", took)
	}
	if err == nil || !strings.Contains(err.Error(), "gave up after 1s (the deadline per source)") || !strings.Contains(err.Error(), "is kept") {
		t.Errorf("error %v", err)
	}
	if fi, err := os.Stat(filepath.Join(opts.Dir, "tiny19.pth.part")); err != nil || fi.Size() == 0 {
		t.Errorf("the .part file was not kept: %v", err)
	}
}

// A proxy (HTTPS_PROXY, HTTP_PROXY) that accepts connections and never
// answers costs each source the first-answer timeout, not net/http's
// minute. The proxy settings are read once per process, so the fetch
// runs in a child process of this test.
func TestFetchProxyNeverAnswers(t *testing.T) {
	if os.Getenv("VKSTYLE_FETCH_CHILD") == "1" {
		opts := FetchOptions{Dir: os.Getenv("VKSTYLE_FETCH_DIR"), Timeouts: quick}
		opts.Log = os.Stderr
		f := File{Model: "vgg19", Source: "test", Name: "vgg19.pth", Convention: Torchvision, Arch: tiny19,
			URLs: []string{"https://weights.vkstyle.invalid/a.pth", "http://weights.vkstyle.invalid/b.pth"}}
		_, err := Fetch(context.Background(), []File{f}, opts)
		fmt.Fprintln(os.Stderr, "RESULT:", err)
		os.Exit(0)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// Accept, read, never answer. The connections stay referenced until the
	// test ends: one dropped after its first read is closed by the
	// collector's finalizer, and the client sees EOF instead of silence.
	var mu sync.Mutex
	var conns []net.Conn
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go io.Copy(io.Discard, c)
		}
	}()
	proxy := "http://" + ln.Addr().String()
	child := exec.Command(os.Args[0], "-test.run=^TestFetchProxyNeverAnswers$")
	child.Env = append(os.Environ(), "VKSTYLE_FETCH_CHILD=1", "VKSTYLE_FETCH_DIR="+t.TempDir(),
		"HTTPS_PROXY="+proxy, "HTTP_PROXY="+proxy, "https_proxy="+proxy, "http_proxy="+proxy, "NO_PROXY=", "no_proxy=")
	start := time.Now()
	out, err := child.CombinedOutput()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	first := quick.Connect + quick.TLS + quick.Idle
	if limit := 2*first + 3*time.Second; took > limit { // the child's start included
		t.Errorf("two sources behind a silent proxy took %v; each should give up after %v", took, first)
	}
	s := string(out)
	if strings.Count(s, "does not respond") != 4 || !strings.Contains(s, "download https://weights.vkstyle.invalid/a.pth by hand") {
		t.Errorf("child output:\n%s", s)
	}
}
