package vkgraph

import (
	"fmt"
	"sync"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/shaders"
)

// kernelName names an embedded shader, shaders/<name>.spv. The backend
// records only the kernels below; kernelTable lists them, and New checks
// that each one (and its "_storage" variant where it has one) is embedded,
// so a misspelt or renamed shader fails when the backend starts, not when
// its op first runs.
type kernelName string

const (
	kConv2DFwd             kernelName = "conv2d_fwd"
	kConv2DFwdSG           kernelName = "conv2d_fwd_sg"
	kConv2DFwdShared       kernelName = "conv2d_fwd_shared"
	kConv2DBwdData         kernelName = "conv2d_bwd_data"
	kConv2DBwdWeight       kernelName = "conv2d_bwd_weight"
	kConv2DBwdWeightShared kernelName = "conv2d_bwd_weight_shared"
	kConv2DBwdBias         kernelName = "conv2d_bwd_bias"

	kGramFwd       kernelName = "gram_fwd"
	kGramFwdShared kernelName = "gram_fwd_shared"
	kGramReduce    kernelName = "gram_reduce"
	kGramSym       kernelName = "gram_sym"
	kGramBwd       kernelName = "gram_bwd"
	kGramBwdShared kernelName = "gram_bwd_shared"

	kReLUFwd      kernelName = "relu_fwd"
	kReLUBwd      kernelName = "relu_bwd"
	kMaxPoolFwd   kernelName = "maxpool_fwd"
	kMaxPoolBwd   kernelName = "maxpool_bwd"
	kAvgPoolFwd   kernelName = "avgpool_fwd"
	kAvgPoolBwd   kernelName = "avgpool_bwd"
	kL2PoolFwd    kernelName = "l2pool_fwd"
	kL2PoolBwd    kernelName = "l2pool_bwd"
	kSortLocal    kernelName = "sort_local"
	kSortMerge    kernelName = "sort_merge"
	kSortReg      kernelName = "sort_reg"
	kSortRegMerge kernelName = "sort_regmerge"
	kSortStep     kernelName = "sort_step"
	kSortBwd      kernelName = "sort_bwd"
	kGather       kernelName = "gather"
	kGatherBwd    kernelName = "gather_bwd"
	kResizeFwd    kernelName = "resize_fwd"
	kResizeBwd    kernelName = "resize_bwd"
	kStatsFwd     kernelName = "stats_fwd"
	kStatsBwd     kernelName = "stats_bwd"
	kMSEFwd       kernelName = "mse_fwd"
	kMSEBwd       kernelName = "mse_bwd"
	kTVFwd        kernelName = "tv_fwd"
	kTVBwd        kernelName = "tv_bwd"
	kAxpyNorm     kernelName = "axpy_norm"

	kAffineFwd      kernelName = "affine_fwd"
	kAffineBwdData  kernelName = "affine_bwd_data"
	kAffineBwdStats kernelName = "affine_bwd_stats"
	kAffineBwdScale kernelName = "affine_bwd_scale"
	kUpsampleFwd    kernelName = "upsample_fwd"
	kUpsampleBwd    kernelName = "upsample_bwd"
	kWinoFilter     kernelName = "wino_filter"
	kWinoInput      kernelName = "wino_input"
	kWinoOutput     kernelName = "wino_output"
	kWinoGemm       kernelName = "wino_gemm"
	kMaskFwd        kernelName = "mask_fwd"
	kMaskBwd        kernelName = "mask_bwd"
	kMatScale       kernelName = "mat_scale"
)

// kernelTable is every kernel the backend records, each with whether it
// reads inputs through texel buffers and so has a "_storage" variant
// (shaders/variants.txt) that reads them from storage buffers instead.
var kernelTable = map[kernelName]bool{
	kConv2DFwd: true, kConv2DFwdSG: false, kConv2DFwdShared: true,
	kConv2DBwdData: true, kConv2DBwdWeight: true, kConv2DBwdWeightShared: true, kConv2DBwdBias: true,
	kGramFwd: true, kGramFwdShared: true, kGramReduce: true, kGramSym: true, kGramBwd: true, kGramBwdShared: true,
	kReLUFwd: false, kReLUBwd: false, kMaxPoolFwd: false, kMaxPoolBwd: false, kAvgPoolFwd: false, kAvgPoolBwd: false, kL2PoolFwd: false, kL2PoolBwd: false,
	kResizeFwd: false, kResizeBwd: false, kStatsFwd: false, kStatsBwd: false,
	kMSEFwd: false, kMSEBwd: false, kTVFwd: false, kTVBwd: false, kAxpyNorm: false,
	kAffineFwd: false, kAffineBwdData: false, kAffineBwdStats: false, kAffineBwdScale: false,
	kUpsampleFwd: false, kUpsampleBwd: false, kWinoFilter: false, kWinoInput: false, kWinoOutput: false, kWinoGemm: false,
	kMaskFwd: false, kMaskBwd: false, kSortLocal: false, kSortMerge: false, kSortReg: false, kSortRegMerge: false, kSortStep: false, kSortBwd: false, kGather: false, kGatherBwd: false,
	kMatScale: false,
}

// storage is the variant of n that reads every input from a storage
// buffer.
func (n kernelName) storage() kernelName { return n + "_storage" }

// checkKernels reports the kernels of kernelTable, variants included, that
// are not embedded in package shaders; nil when all are.
func checkKernels() error {
	have := map[string]bool{}
	for _, n := range shaders.Names() {
		have[n] = true
	}
	var missing []kernelName
	for n, variant := range kernelTable {
		if !have[string(n)] {
			missing = append(missing, n)
		}
		if variant && !have[string(n.storage())] {
			missing = append(missing, n.storage())
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("vkgraph: kernels %v are not embedded in package shaders (./build.sh shaders)", missing)
	}
	return nil
}

// kernelsEmbedded is checkKernels, run once per process.
var kernelsEmbedded = sync.OnceValue(checkKernels)

// kernel builds the kernel of shader name from spec, filling in its Name
// and Code; Bindings defaults to len(spec.Texel). A kernel the device
// cannot build is recorded as the stream's error and gives nil.
func (b *Backend) kernel(name kernelName, spec gpu.KernelSpec) *gpu.Kernel {
	code, err := shaders.Code(string(name))
	if err != nil {
		panic("vkgraph: " + err.Error()) // checked by New: the embedded shaders are part of the program
	}
	spec.Name, spec.Code = string(name), code
	if spec.Bindings == 0 {
		spec.Bindings = len(spec.Texel)
	}
	k, err := b.dev.Kernel(spec)
	if err != nil {
		b.s.Fail(err)
		return nil
	}
	return k
}

// readKernel is kernel for a shader that reads its inputs through texel
// buffers; when storage is set, its "_storage" variant with every binding
// a storage buffer (see "How kernels read" in bind.go).
func (b *Backend) readKernel(name kernelName, spec gpu.KernelSpec, storage bool) *gpu.Kernel {
	if storage {
		if !kernelTable[name] {
			panic(fmt.Sprintf("vkgraph: kernel %s has no _storage variant", name))
		}
		name, spec.Texel = name.storage(), make([]int, len(spec.Texel))
	}
	return b.kernel(name, spec)
}
