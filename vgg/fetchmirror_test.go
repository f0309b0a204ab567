package vgg

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The test mirror (an HTTP server holding files by path, counting what it
// sends) and the helpers the fetch tests share.

// mirror is a test HTTP server holding files by path.
type mirror struct {
	*httptest.Server
	mu       sync.Mutex
	files    map[string][]byte
	noRange  map[string]bool // answer 200 with the whole file, ignoring Range
	cut      map[int]int64   // request number → bytes of body sent before the connection drops
	requests []string        // "PATH RANGE" of each request
	sent     int64           // body bytes sent
}

func newMirror(t *testing.T) *mirror {
	m := &mirror{files: map[string][]byte{}, noRange: map[string]bool{}, cut: map[int]int64{}}
	m.Server = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(m.Close)
	return m
}

func (m *mirror) serve(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	n := len(m.requests)
	m.requests = append(m.requests, r.URL.Path+" "+r.Header.Get("Range"))
	data, ok := m.files[r.URL.Path]
	noRange := m.noRange[r.URL.Path]
	limit, cut := m.cut[n]
	m.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	cw := &countingWriter{ResponseWriter: w, m: m, limit: -1}
	if cut {
		cw.limit = limit
	}
	if noRange {
		w.Header().Set("Content-Length", itoa64(int64(len(data))))
		cw.Write(data)
		return
	}
	http.ServeContent(cw, r, "", time.Time{}, bytes.NewReader(data))
}

// countingWriter counts body bytes and, with a limit, sends that many,
// flushes and drops the connection.
type countingWriter struct {
	http.ResponseWriter
	m     *mirror
	limit int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.limit >= 0 && int64(len(p)) > c.limit {
		n, _ := c.ResponseWriter.Write(p[:c.limit])
		c.count(n)
		c.ResponseWriter.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
	if c.limit >= 0 {
		c.limit -= int64(len(p))
	}
	n, err := c.ResponseWriter.Write(p)
	c.count(n)
	return n, err
}

// reqs returns the requests so far.
func (m *mirror) reqs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.requests...)
}

// sentBytes returns the body bytes sent once the count stops changing
// (a handler counts after its write returns, which may be after the
// client has read the bytes).
func (m *mirror) sentBytes() int64 {
	var last int64 = -1
	for range 50 {
		m.mu.Lock()
		n := m.sent
		m.mu.Unlock()
		if n == last {
			return n
		}
		last = n
		time.Sleep(10 * time.Millisecond)
	}
	return last
}

// reset forgets the requests and bytes so far.
func (m *mirror) reset() {
	m.sentBytes()
	m.mu.Lock()
	m.requests, m.sent = nil, 0
	m.mu.Unlock()
}

func (c *countingWriter) count(n int) {
	c.m.mu.Lock()
	c.m.sent += int64(n)
	c.m.mu.Unlock()
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fetchOpts returns options writing to a temporary directory, with a
// progress recorder and a log.
type progressLog struct {
	mu     sync.Mutex
	starts []string
	bytes  int64
	closed int
}

func (p *progressLog) Write(b []byte) (int, error) {
	p.mu.Lock()
	p.bytes += int64(len(b))
	p.mu.Unlock()
	return len(b), nil
}

func (p *progressLog) Close() error { p.closed++; return nil }

func fetchOpts(t *testing.T) (FetchOptions, *progressLog, *bytes.Buffer) {
	p, log := &progressLog{}, &bytes.Buffer{}
	return FetchOptions{
		Dir: t.TempDir(),
		Progress: func(desc string, done, total int64) io.Writer {
			p.starts = append(p.starts, desc+" "+itoa64(done)+"/"+itoa64(max(total, 0)))
			return p
		},
		Log: log,
	}, p, log
}

func tinyFile(m *mirror, data []byte, urls ...string) File {
	f := File{Model: "vgg19", Source: "test", Name: "tiny19.pth", Size: int64(len(data)), SHA256: sha(data),
		Convention: Torchvision, Arch: tiny19}
	for _, u := range urls {
		f.URLs = append(f.URLs, m.URL+u)
	}
	return f
}

// fixturePath is the path of a test fixture: the tiny VGG19 weights,
// which other packages' tests load too (vggtest.Testdata), are in the
// repository's testdata/, the fixtures only this package reads in
// vgg/testdata.
func fixturePath(name string) string {
	switch name {
	case "tiny19.pth", "tiny19.safetensors":
		return filepath.Join("..", "testdata", name)
	}
	return filepath.Join("testdata", name)
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixturePath(name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes, %v; want the %d served", path, len(got), err, len(want))
	}
	if _, err := os.Stat(path + ".part"); err == nil {
		t.Errorf("%s.part left behind", path)
	}
	if sum, ok := readRecord(path); !ok || sum != sha(want) {
		t.Errorf("%s: record %q, %v", path, sum, ok)
	}
}
