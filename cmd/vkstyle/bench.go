package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/vkgraph"
	"github.com/vkstyle/vkstyle/stylize"
	"github.com/vkstyle/vkstyle/vgg"
)

// benchResult is what `vkstyle bench` measures, as printed with -json.
type benchResult struct {
	Device        string             `json:"device"`
	Kernels       string             `json:"kernels"`
	Model         string             `json:"model"`
	Optimizer     string             `json:"optimizer"`
	Size          int                `json:"size"`
	Steps         int                `json:"steps"`
	MedianMS      float64            `json:"ms_per_iter_median"`
	MinMS         float64            `json:"ms_per_iter_min"`
	GFLOP         float64            `json:"gflop_per_iter"`
	GFLOPS        float64            `json:"gflops"`
	PeakBytes     uint64             `json:"peak_device_bytes"`
	FirstColdMS   float64            `json:"first_iter_cold_ms"`
	FirstWarmMS   float64            `json:"first_iter_warm_ms"`
	KernelsMS     map[string]float64 `json:"kernel_ms_per_iter"`
	WeightsSource string             `json:"weights"`

	// SubmitGFLOP is the device's work budget per submission
	// (gpu.Options.SubmitGFLOP, $VKSTYLE_SUBMIT_GFLOP); 0: none.
	SubmitGFLOP float64 `json:"submit_gflop"`
	// SubmitsPerIter counts the vkQueueSubmit calls of a timed iteration:
	// the evaluation's pieces plus the optimiser's read-backs (L-BFGS
	// reads back about 2·history+5 scalars per iteration, each its own
	// small submission).
	SubmitsPerIter float64 `json:"submissions_per_iter"`
	// EvalSubmits is the most submissions one synchronisation made: the
	// pieces an evaluation of the network was cut into.
	EvalSubmits int `json:"eval_submissions"`
}

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", stderr)
	size := fs.Int("size", 256, "longer side of the image in pixels (square images)")
	opt := fs.String("opt", "lbfgs", "optimiser: lbfgs or adam")
	model := fs.String("model", "vgg19", "network: vgg19, vgg16 or embedded (VGG without cached weights gets random ones: speed does not depend on the values)")
	steps := fs.Int("steps", 10, "timed iterations after 2 warm-up iterations")
	device := fs.String("device", "", "Vulkan device: index or name substring")
	kernels := fs.String("kernels", "auto", "convolution and Gram kernels: texel (register tiles, for CPU Vulkan), shared (shared-memory tiles, for GPUs) or auto ($"+vkgraph.FamilyEnv+" if set, else by device)")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *steps < 1 || *size < 16 {
		return fmt.Errorf("-steps %d -size %d: give at least 1 step and 16 pixels", *steps, *size)
	}
	k, err := vkgraph.ParseFamily(*kernels)
	if err != nil {
		return fmt.Errorf("-kernels: %v", err)
	}
	res, err := bench(*size, *opt, *model, *steps, *device, k)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "%s (%s kernels), %s (%s), %s, %d×%d, %d steps\n", res.Device, res.Kernels, res.Model, res.WeightsSource, res.Optimizer, res.Size, res.Size, res.Steps)
	fmt.Fprintf(stdout, "  %.1f ms/iteration (median), %.1f (min)\n", res.MedianMS, res.MinMS)
	fmt.Fprintf(stdout, "  %.2f GFLOP/iteration, %.2f GFLOP/s\n", res.GFLOP, res.GFLOPS)
	fmt.Fprintf(stdout, "  peak device memory %v\n", gpu.Bytes(res.PeakBytes))
	fmt.Fprintf(stdout, "  first iteration: %.0f ms with a cold pipeline cache, %.0f ms warm\n", res.FirstColdMS, res.FirstWarmMS)
	fmt.Fprintf(stdout, "  %.1f submissions per iteration; an evaluation in %d of at most %g GFLOP\n", res.SubmitsPerIter, res.EvalSubmits, res.SubmitGFLOP)
	type kv struct {
		k string
		v float64
	}
	var ks []kv
	total := 0.0
	for k, v := range res.KernelsMS {
		ks = append(ks, kv{k, v})
		total += v
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].v > ks[j].v })
	if len(ks) > 0 {
		fmt.Fprintln(stdout, "  GPU time per iteration by kernel (timestamp queries):")
		for _, x := range ks {
			fmt.Fprintf(stdout, "    %-22s %8.2f ms  %5.1f%%\n", x.k, x.v, 100*x.v/total)
		}
	}
	return nil
}

// benchModel returns the network: cached VGG weights when there are
// some, else random ones of the same shape.
func benchModel(name string) (*stylize.NetModel, string, error) {
	switch name {
	case "embedded":
		return stylize.FromNet("embedded", vgg.NewRandom(0)), "generated", nil
	case "vgg19", "vgg16":
		if n, err := vgg.LoadModel("", name, nil); err == nil {
			return stylize.FromNet(name, n), "cached", nil
		}
		arch, _ := vgg.ArchByName(name)
		return stylize.FromNet(name, vgg.Randomized(arch, 0)), "random", nil
	}
	return nil, "", fmt.Errorf("-model %q: use vgg19, vgg16 or embedded", name)
}

// category groups dispatch labels for the breakdown.
func category(label string) string {
	switch {
	case label == "conv forward":
		return "conv forward"
	case strings.HasPrefix(label, "conv backward"):
		return "conv backward"
	case label == "gram" || label == "optimiser":
		return label
	}
	return "elementwise"
}

func bench(size int, opt, modelName string, steps int, device string, kernels vkgraph.Family) (*benchResult, error) {
	cache, err := os.MkdirTemp("", "vkstyle-bench-cache")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(cache)
	content := stylize.SampleContent(size, size)
	style := stylize.SampleStyle(size, size)
	res := &benchResult{Model: modelName, Optimizer: opt, Size: size, Steps: steps, KernelsMS: map[string]float64{}}
	// One iteration with an empty pipeline cache (cold), then the timed run
	// with the cache it filled (warm), profiled.
	// The timed run has 2 warm-up iterations and one more at the end: L-BFGS
	// evaluates nothing in the last iteration of a step (like torch), so
	// that one is not a full iteration and is not timed.
	for pass, iters := range []int{1, steps + 3} {
		model, source, err := benchModel(modelName)
		if err != nil {
			return nil, err
		}
		res.WeightsSource = source
		dev, err := gpu.Open(gpu.Options{Device: device, CacheDir: cache, Profile: pass == 1})
		if err != nil {
			return nil, err
		}
		res.Device = dev.Info.Name
		res.SubmitGFLOP = dev.SubmitGFLOP()
		eng, err := stylize.NewGPU(dev)
		if err != nil {
			dev.Close()
			return nil, err
		}
		if kernels != vkgraph.FamilyAuto {
			if err := eng.SetFamily(kernels); err != nil {
				eng.Close()
				dev.Close()
				return nil, err
			}
		}
		res.Kernels = eng.Family().String()
		o := stylize.Options{Size: size, Iterations: iters, Optimizer: opt}
		if modelName == "embedded" {
			o.ContentLayers = []stylize.Layer{{Name: "relu4_2", Weight: 1}}
		}
		var marks []time.Time
		var submits []int // the stream's submissions at each mark
		start := time.Now()
		_, runErr := stylize.Run(context.Background(), eng, model, stylize.Request{
			Content: content, Styles: []*stylize.Image{style}, Options: o,
			Progress: func(p stylize.Progress) error {
				marks = append(marks, time.Now())
				submits = append(submits, eng.Stream().Submissions())
				if _, used, _ := dev.MemoryUsage(); used > res.PeakBytes {
					res.PeakBytes = used
				}
				if pass == 1 {
					tm := eng.Stream().TakeTimings()
					if p.Done > 2 && p.Done < p.Total { // after warm-up, before the last
						for _, x := range tm {
							res.KernelsMS[category(x.Label)] += float64(x.Time.Microseconds()) / 1000
						}
					}
				}
				return nil
			}})
		evalSubmits := eng.Stream().MaxSplit()
		model.Close()
		eng.Close()
		dev.Close()
		if runErr != nil {
			return nil, runErr
		}
		first := marks[0].Sub(start).Seconds() * 1000
		if pass == 0 {
			res.FirstColdMS = first
			continue
		}
		res.FirstWarmMS = first
		var per []float64
		for i := 2; i < len(marks)-1; i++ { // iterations 3 … steps+2
			per = append(per, marks[i].Sub(marks[i-1]).Seconds()*1000)
		}
		sort.Float64s(per)
		res.MedianMS, res.MinMS = per[len(per)/2], per[0]
		res.SubmitsPerIter = float64(submits[len(marks)-2]-submits[1]) / float64(len(per))
		res.EvalSubmits = evalSubmits
		for k := range res.KernelsMS {
			res.KernelsMS[k] /= float64(len(per))
		}
	}
	res.GFLOP = flops(modelName, size) / 1e9
	res.GFLOPS = res.GFLOP / (res.MedianMS / 1000)
	return res, nil
}

// flops is docs/DESIGN.md §6's count for one forward and input-gradient
// backward: each convolution up to relu5_1 2·H·W·Cout·Cin·9, each style
// Gram 2·C²·H·W, both doubled for the backward.
func flops(model string, size int) float64 {
	arch, err := vgg.ArchByName(model)
	if err != nil {
		arch = vgg.RandomArch
	}
	style := map[string]bool{"relu1_1": true, "relu2_1": true, "relu3_1": true, "relu4_1": true, "relu5_1": true}
	hw := map[string]float64{"": float64(size * size)}
	total := 0.0
	for _, l := range arch.Layers {
		in := hw[l.Input]
		out := in
		switch l.Kind {
		case vgg.Conv:
			total += 2 * in * float64(l.Out*l.In*l.Kernel*l.Kernel)
		case vgg.Pool:
			out = in / 4
		}
		hw[l.Name] = out
		if style[l.Name] {
			total += 2 * float64(l.Out*l.Out) * out
		}
		if l.Name == "relu5_1" {
			break
		}
	}
	return 2 * total
}
