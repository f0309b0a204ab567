package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/vkstyle/vkstyle/gpu"
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

	// Warmup is the untimed iterations before the timed ones. For L-BFGS
	// the default is its history, so that the timed iterations run the
	// full two-loop: the steady state of a long render.
	Warmup int `json:"warmup_iters"`
	// History is the L-BFGS history length (0 for Adam).
	History int `json:"history"`
	// ProfiledIters is how many iterations the separate profiled pass
	// (timestamp queries on, for KernelsMS) averaged, after its 2 warm-up
	// ones; the timed pass runs without timestamps.
	ProfiledIters int `json:"profiled_iters"`

	// SubmitGFLOP is the device's work budget per submission
	// (gpu.Options.SubmitGFLOP, $VKSTYLE_SUBMIT_GFLOP); 0: none.
	SubmitGFLOP float64 `json:"submit_gflop"`
	// SubmitsPerIter counts the vkQueueSubmit calls of a timed iteration:
	// the evaluation's pieces plus the optimiser's read-backs (L-BFGS
	// makes three small ones per iteration, whatever its history: sᵀy
	// with yᵀy, gᵀd and max |g|; the two-loop recursion is recorded with
	// the next one).
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
	steps := fs.Int("steps", 10, "timed iterations, after the warm-up ones")
	warmup := fs.Int("warmup", -1, "untimed iterations before the timed ones; -1: the L-BFGS history (100), so that the timed ones are the steady state, or 2 for Adam")
	device := fs.String("device", "", "Vulkan device: index or name substring")
	kernels := fs.String("kernels", "auto", "convolution and Gram kernels: texel (register tiles, for CPU Vulkan), shared (shared-memory tiles, for GPUs) or auto ($"+stylize.FamilyEnv+" if set, else by device)")
	styleLoss := fs.String("style-loss", "gram", "style statistic: gram, sw (sliced Wasserstein) or w2 (Wasserstein-2)")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *steps < 1 || *size < 16 {
		return fmt.Errorf("-steps %d -size %d: give at least 1 step and 16 pixels", *steps, *size)
	}
	if *warmup < -1 {
		return fmt.Errorf("-warmup %d: give 0 or more untimed iterations, or -1 for the default", *warmup)
	}
	if err := checkStyleLoss(*styleLoss); err != nil {
		return err
	}
	k, err := stylize.ParseFamily(*kernels)
	if err != nil {
		return fmt.Errorf("-kernels: %v", err)
	}
	sl := *styleLoss
	if sl == "gram" {
		sl = ""
	}
	res, err := bench(benchSpec{size: *size, opt: *opt, model: *model, styleLoss: sl, steps: *steps, warmup: *warmup, device: *device, family: k})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "%s (%s kernels), %s (%s), %s, %d×%d, %d steps\n", res.Device, res.Kernels, res.Model, res.WeightsSource, res.Optimizer, res.Size, res.Size, res.Steps)
	steady := ""
	if res.History > 0 && res.Warmup >= res.History {
		steady = ", history full"
	}
	fmt.Fprintf(stdout, "  %.1f ms/iteration (median), %.1f (min), after %d untimed iterations%s, no timestamps\n", res.MedianMS, res.MinMS, res.Warmup, steady)
	fmt.Fprintf(stdout, "  %.2f GFLOP/iteration, %.2f GFLOP/s\n", res.GFLOP, res.GFLOPS)
	fmt.Fprintf(stdout, "  peak device memory %v\n", gpu.Bytes(res.PeakBytes))
	fmt.Fprintf(stdout, "  first iteration: %.0f ms with empty vkstyle and driver shader caches, %.0f ms with both filled\n", res.FirstColdMS, res.FirstWarmMS)
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
		fmt.Fprintf(stdout, "  GPU time per iteration by kernel (timestamp queries, a separate pass of %d iterations after 2 warm-up):\n", res.ProfiledIters)
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
	case strings.HasPrefix(label, "conv forward"):
		return "conv forward"
	case strings.HasPrefix(label, "conv backward"):
		return "conv backward"
	case label == "gram" || label == "optimiser" || label == "sort" || label == "sqrtm" || label == "matmul":
		return label
	}
	return "elementwise"
}

// benchSpec is what runBench was asked to measure.
type benchSpec struct {
	size          int
	opt, model    string
	styleLoss     string
	steps, warmup int
	device        string
	family        stylize.Family
}

// driverCacheEnv are the variables that move the drivers' own shader
// caches: Mesa's (lavapipe, RADV, ANV) and NVIDIA's.
var driverCacheEnv = []string{"MESA_SHADER_CACHE_DIR", "__GL_SHADER_DISK_CACHE_PATH"}

// bench runs three passes, each on a freshly opened device: one iteration
// with vkstyle's pipeline cache and the driver's shader cache both empty
// (cold start; both point into a new temporary directory for the whole
// benchmark), the timed pass (warm-up, then steps timed iterations, no
// timestamp queries), and a short profiled pass for the per-kernel table.
func bench(spec benchSpec) (*benchResult, error) {
	cache, err := os.MkdirTemp("", "vkstyle-bench-cache")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(cache)
	for _, k := range driverCacheEnv {
		old, had := os.LookupEnv(k)
		os.Setenv(k, filepath.Join(cache, "driver"))
		defer func() {
			if had {
				os.Setenv(k, old)
			} else {
				os.Unsetenv(k)
			}
		}()
	}
	res := &benchResult{Model: spec.model, Optimizer: spec.opt, Size: spec.size, Steps: spec.steps, KernelsMS: map[string]float64{}}
	warmup := spec.warmup
	if spec.opt == "lbfgs" {
		res.History = 100 // stylize.Options' default
		if warmup < 0 {
			warmup = res.History
		}
	} else if warmup < 0 {
		warmup = 2
	}
	res.Warmup = warmup
	res.ProfiledIters = min(spec.steps, 5)

	// Cold: the first iteration's time includes setup (weights,
	// pipelines, the targets).
	marks, start, _, err := benchPass(spec, res, cache, 1, false)
	if err != nil {
		return nil, err
	}
	res.FirstColdMS = marks[0].Sub(start).Seconds() * 1000

	// Timed. L-BFGS evaluates nothing in the last iteration of a step
	// (like torch), so one more iteration runs and is not timed.
	marks, start, submits, err := benchPass(spec, res, cache, warmup+spec.steps+1, false)
	if err != nil {
		return nil, err
	}
	res.FirstWarmMS = marks[0].Sub(start).Seconds() * 1000
	var per []float64
	for i := warmup; i < warmup+spec.steps; i++ { // iterations warmup+1 … warmup+steps
		prev := start
		if i > 0 {
			prev = marks[i-1]
		}
		per = append(per, marks[i].Sub(prev).Seconds()*1000)
	}
	sort.Float64s(per)
	res.MedianMS, res.MinMS = per[len(per)/2], per[0]
	before := 0
	if warmup > 0 {
		before = submits[warmup-1]
	}
	res.SubmitsPerIter = float64(submits[warmup+spec.steps-1]-before) / float64(spec.steps)

	// Profiled: 2 warm-up iterations, then ProfiledIters averaged.
	if _, _, _, err := benchPass(spec, res, cache, 2+res.ProfiledIters+1, true); err != nil {
		return nil, err
	}
	for k := range res.KernelsMS {
		res.KernelsMS[k] /= float64(res.ProfiledIters)
	}
	res.GFLOP = flops(spec.model, spec.size) / 1e9
	res.GFLOPS = res.GFLOP / (res.MedianMS / 1000)
	return res, nil
}

// benchPass renders iters iterations on a device opened for it and returns
// when each iteration ended, when the run started, and the stream's
// submissions at each iteration's end. The profiled pass adds its
// timestamps (iterations 3 to the last but one) into res.KernelsMS.
func benchPass(spec benchSpec, res *benchResult, cache string, iters int, profile bool) (marks []time.Time, start time.Time, submits []int, err error) {
	model, source, err := benchModel(spec.model)
	if err != nil {
		return nil, start, nil, err
	}
	res.WeightsSource = source
	dev, err := gpu.Open(gpu.Options{Device: spec.device, CacheDir: cache, Profile: profile})
	if err != nil {
		model.Close()
		return nil, start, nil, err
	}
	res.Device = dev.Info.Name
	res.SubmitGFLOP = dev.SubmitGFLOP()
	eng, err := stylize.NewGPU(dev)
	if err != nil {
		model.Close()
		dev.Close()
		return nil, start, nil, err
	}
	// The weights live on the engine's device: free them first.
	defer func() {
		model.Close()
		eng.Close()
		dev.Close()
	}()
	if spec.family != stylize.FamilyAuto {
		if err := eng.SetFamily(spec.family); err != nil {
			return nil, start, nil, err
		}
	}
	res.Kernels = eng.Family().String()
	o := stylize.Options{Size: spec.size, Iterations: iters, Optimizer: spec.opt, StyleLoss: spec.styleLoss}
	if spec.model == "embedded" {
		o.ContentLayers = []stylize.Layer{{Name: "relu4_2", Weight: 1}}
	}
	content := stylize.SampleContent(spec.size, spec.size)
	style := stylize.SampleStyle(spec.size, spec.size)
	start = time.Now()
	_, err = stylize.Run(context.Background(), eng, model, stylize.Request{
		Content: content, Styles: []*stylize.Image{style}, Options: o,
		Progress: func(p stylize.Progress) error {
			marks = append(marks, time.Now())
			submits = append(submits, eng.Stream().Submissions())
			if _, used, _ := dev.MemoryUsage(); used > res.PeakBytes {
				res.PeakBytes = used
			}
			if profile {
				tm := eng.Stream().TakeTimings()
				if p.Done > 2 && p.Done < p.Total { // after warm-up, before the last
					for _, x := range tm {
						res.KernelsMS[category(x.Label)] += float64(x.Time.Microseconds()) / 1000
					}
				}
			}
			return nil
		}})
	if err != nil {
		return nil, start, nil, err
	}
	if !profile {
		res.EvalSubmits = max(res.EvalSubmits, eng.Stream().MaxSplit())
	}
	if len(marks) < iters {
		return nil, start, nil, fmt.Errorf("bench: %d progress reports for %d iterations", len(marks), iters)
	}
	return marks, start, submits, nil
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
