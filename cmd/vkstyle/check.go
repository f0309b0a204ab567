package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/vkstyle/vkstyle/gpu"
)

// checkDevice runs fill, axpy and dot over two vectors of mib MiB on the
// chosen device, verifies the results against exact host values and prints
// the bandwidth of each. It answers "does vkstyle work on this GPU?".
func checkDevice(selector string, mib uint64, stdout io.Writer) error {
	if mib == 0 || mib > 1<<20 {
		return fmt.Errorf("-check-mib %d: give a size between 1 and %d MiB", mib, 1<<20)
	}
	dev, err := gpu.Open(gpu.Options{Device: selector})
	if err != nil {
		return err
	}
	defer dev.Close()
	n := int(mib << 20 / 4)
	fmt.Fprintf(stdout, "checking %s with 2 × %d MiB vectors\n", dev.Info.Name, mib)
	x, err := dev.NewBuffer("check x", uint64(n)*4)
	if errors.Is(err, gpu.ErrTooLarge) {
		return fmt.Errorf("%w; use a smaller -check-mib", err)
	}
	if err != nil {
		return err
	}
	defer x.Close()
	y, err := dev.NewBuffer("check y", uint64(n)*4)
	if err != nil {
		return err
	}
	defer y.Close()
	out, err := dev.NewBuffer("check result", 4)
	if err != nil {
		return err
	}
	defer out.Close()
	// Small integers keep every result exact in float32: x = 2, y = 3,
	// y += 0.5·x → 4, x·y = 8 per element, Σ = 8n (exact below 2^24·8).
	steps := []struct {
		name   string
		bytes  int
		record func(*gpu.Batch) error
	}{
		{"fill", 2 * n * 4, func(b *gpu.Batch) error {
			if err := b.Fill(x, n, 2); err != nil {
				return err
			}
			return b.Fill(y, n, 3)
		}},
		{"axpy", 3 * n * 4, func(b *gpu.Batch) error { return b.Axpy(y, 0.5, x, n) }},
		{"dot", 2 * n * 4, func(b *gpu.Batch) error { return b.Dot(out, 0, x, y, n) }},
	}
	for _, s := range steps {
		b, err := dev.NewBatch()
		if err != nil {
			return err
		}
		if err := s.record(b); err != nil {
			b.Close()
			return err
		}
		start := time.Now()
		err = b.Submit()
		elapsed := time.Since(start)
		b.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  %-5s %8.2f GB/s\n", s.name, float64(s.bytes)/elapsed.Seconds()/1e9)
	}
	got := make([]float32, 1)
	if err := out.ReadFloat32(0, got); err != nil {
		return err
	}
	probe := make([]float32, 1)
	if err := y.ReadFloat32(n-1, probe); err != nil {
		return err
	}
	want := 8 * float64(n)
	if probe[0] != 4 || (n <= 1<<21 && float64(got[0]) != want) || (n > 1<<21 && abs(float64(got[0])-want) > want*1e-6) {
		return fmt.Errorf("device %s computed wrong results (y[last] = %v, want 4; dot = %v, want %v): its driver is broken; try another with -device", dev.Info.Name, probe[0], got[0], want)
	}
	fmt.Fprintln(stdout, "  results verified")
	return nil
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
