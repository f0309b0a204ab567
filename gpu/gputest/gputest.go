// Package gputest opens Vulkan devices for tests: validation follows
// $VKSTYLE_VALIDATE, and when the test ends it fails on any validation
// message and on any object left open.
package gputest

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
)

// Open opens a device for t with opts (the pipeline cache goes to a
// temporary directory unless opts names one). If no Vulkan device exists the
// test is skipped under `go test` but fails when $VKSTYLE_REQUIRE_GPU=1 (the
// project's test command sets it). At cleanup the test fails if the
// validation layer reported anything or if an object was not closed.
func Open(t testing.TB, opts gpu.Options) *gpu.Device {
	t.Helper()
	dev := OpenUnchecked(t, opts)
	t.Cleanup(func() { Close(t, dev) })
	return dev
}

// OpenUnchecked opens a device like Open, skipping or failing by the same
// rules, but leaves closing it, and checking what Close reports, to the
// test: for tests of Close itself.
func OpenUnchecked(t testing.TB, opts gpu.Options) *gpu.Device {
	t.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = t.TempDir()
	}
	dev, err := gpu.Open(opts)
	if err != nil {
		if (errors.Is(err, gpu.ErrNoLoader) || errors.Is(err, gpu.ErrNoDevice)) && os.Getenv("VKSTYLE_REQUIRE_GPU") != "1" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	return dev
}

// Close closes dev and reports leaks and validation messages as failures.
// Open registers it as cleanup; call it directly to check earlier.
func Close(t testing.TB, dev *gpu.Device) {
	t.Helper()
	msgs := dev.Validation(0)
	if err := dev.Close(); err != nil {
		t.Errorf("leak: %v", err)
	}
	if len(msgs) > 0 {
		t.Errorf("%d validation messages:\n%s", len(msgs), strings.Join(msgs, "\n"))
	}
}
