package vgg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Timeouts bound the waits of a download, so that a dead network, a
// server that stalls after its headers or a proxy that never answers
// ends the attempt instead of hanging. A zero field takes its default.
type Timeouts struct {
	// Connect bounds the TCP connection to the server or proxy. Default
	// 30 s.
	Connect time.Duration
	// TLS bounds the TLS handshake. Default 30 s.
	TLS time.Duration
	// Idle is the longest wait for the next bytes of the body. The
	// response headers (a proxy's answer included) must come within
	// Connect+TLS+Idle of the request. Default 30 s.
	Idle time.Duration
	// Source is the total time one URL may take, resumed bytes not
	// counted; the .part file is kept when it runs out. Default 1 h.
	Source time.Duration
}

// DefaultTimeouts are the timeouts Fetch uses for zero fields.
var DefaultTimeouts = Timeouts{Connect: 30 * time.Second, TLS: 30 * time.Second, Idle: 30 * time.Second, Source: time.Hour}

func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts
	if t.Connect > 0 {
		d.Connect = t.Connect
	}
	if t.TLS > 0 {
		d.TLS = t.TLS
	}
	if t.Idle > 0 {
		d.Idle = t.Idle
	}
	if t.Source > 0 {
		d.Source = t.Source
	}
	return d
}

// client returns an HTTP client that honours the proxy environment
// (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) and t's connect and TLS timeouts.
// The wait for the headers and body reads are bounded by openRange's
// watchdog (net/http's own wait for a proxy's CONNECT answer is a
// minute).
func (t Timeouts) client() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: t.Connect, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: t.TLS,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        4,
		IdleConnTimeout:     90 * time.Second,
	}}
}

// stallError is the cause of a request the watchdog cancelled.
type stallError struct {
	wait  time.Duration
	first bool // nothing came back at all
}

func (e *stallError) Error() string {
	if e.first {
		return fmt.Sprintf("no answer within %v (the connect, TLS and idle timeouts): the server or a proxy does not respond", e.wait)
	}
	return fmt.Sprintf("no data for %v (the idle timeout): the transfer stalled", e.wait)
}

// deadlineError is the cause of a source that ran out of time.
type deadlineError struct{ d time.Duration }

func (e *deadlineError) Error() string {
	return fmt.Sprintf("gave up after %v (the deadline per source)", e.d)
}

// sourceContext bounds one source's attempts by t.Source.
func (t Timeouts) sourceContext(ctx context.Context) (context.Context, context.CancelFunc) {
	t = t.withDefaults()
	return context.WithTimeoutCause(ctx, t.Source, &deadlineError{t.Source})
}

// watchdog cancels a request when nothing arrives for too long: first
// for the connection, handshake and headers together, then for each read
// of the body.
type watchdog struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	idle   time.Duration
	mu     sync.Mutex
	timer  *time.Timer
}

func (t Timeouts) watch(ctx context.Context) *watchdog {
	t = t.withDefaults()
	w := &watchdog{idle: t.Idle}
	w.ctx, w.cancel = context.WithCancelCause(ctx)
	first := t.Connect + t.TLS + t.Idle
	w.timer = time.AfterFunc(first, func() { w.cancel(&stallError{wait: first, first: true}) })
	return w
}

// progress restarts the idle timer after bytes arrived.
func (w *watchdog) progress() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.timer.Stop() {
		w.timer = time.AfterFunc(w.idle, func() { w.cancel(&stallError{wait: w.idle}) })
	}
}

// explain replaces an error caused by the watchdog or a deadline with
// its cause, and unwraps net/http's "Get URL: …" (the caller names the
// URL).
func (w *watchdog) explain(err error) error {
	if err == nil {
		return nil
	}
	var stall *stallError
	var deadline *deadlineError
	if c := context.Cause(w.ctx); errors.As(c, &stall) || errors.As(c, &deadline) {
		return c
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func (w *watchdog) stop() {
	w.mu.Lock()
	w.timer.Stop()
	w.mu.Unlock()
	w.cancel(nil)
}

// watchedBody is a response body whose reads feed its watchdog.
type watchedBody struct {
	io.ReadCloser
	w *watchdog
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.w.progress()
	}
	if err != nil && err != io.EOF {
		err = b.w.explain(err)
	}
	return n, err
}

func (b *watchedBody) Close() error {
	err := b.ReadCloser.Close()
	b.w.stop()
	return err
}
