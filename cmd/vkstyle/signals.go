package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// stopSignals stop a run at the next iteration boundary, which then
// writes the image so far and a checkpoint: Ctrl-C (SIGINT), kill's and
// a service manager's default (SIGTERM), and a closed terminal (SIGHUP).
var stopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// notifyStop returns a context cancelled by the first of stopSignals;
// caught says which one, as a prefix for the stop message ("" when none
// came). A second signal exits at once, with status 128 + its number, as
// a shell reports a process the signal killed. stop ends the watch.
// notice, when not nil, is told of each signal as it comes.
func notifyStop(notice io.Writer) (ctx context.Context, caught func() string, stop func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, stopSignals...)
	ctx, caught, end := watchStop(ch, notice, os.Exit)
	return ctx, caught, func() { signal.Stop(ch); end() }
}

// watchStop is notifyStop on a channel of signals, with exit to end the
// process.
func watchStop(ch <-chan os.Signal, notice io.Writer, exit func(code int)) (ctx context.Context, caught func() string, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var (
		mu    sync.Mutex
		first os.Signal
	)
	done := make(chan struct{})
	var once sync.Once
	go func() {
		for {
			select {
			case s := <-ch:
				mu.Lock()
				again := first != nil
				if !again {
					first = s
				}
				mu.Unlock()
				if again {
					if notice != nil {
						fmt.Fprintf(notice, "\nvkstyle: %s again: exiting at once, without saving\n", signalName(s))
					}
					exit(128 + signalNumber(s))
					return
				}
				if notice != nil {
					fmt.Fprintf(notice, "\nvkstyle: %s: stopping after this iteration to write the image and a checkpoint (a second signal exits at once)\n", signalName(s))
				}
				cancel()
			case <-done:
				return
			}
		}
	}()
	caught = func() string {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			return ""
		}
		return signalName(first) + ": "
	}
	stop = func() { once.Do(func() { close(done); cancel() }) }
	return ctx, caught, stop
}

// signalName is a stop signal's conventional name ("SIGTERM").
func signalName(s os.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return s.String()
}

// signalNumber is s's number (1 when s is not a syscall.Signal).
func signalNumber(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return int(n)
	}
	return 1
}
