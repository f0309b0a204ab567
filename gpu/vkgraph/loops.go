package vkgraph

import (
	"fmt"
	"math"
	"strings"
)

// llvmpipe (lavapipe) ends a shader invocation's loops after 65535
// iterations in all, silently (see shaders/common.glsl): a longer sum
// would come out short. The kernels whose loops scale with the image
// step unroll elements per iteration (unroll in the shaders), Gram
// matrices cut longer sums into several dispatches, and a kernel that
// would still pass the budget fails with an error instead of a wrong
// result.
const (
	llvmpipeLoops = 65535
	unroll        = 8 // UNROLL in shaders/common.glsl
)

// loopBudget is the most loop iterations one shader invocation may run on
// the backend's device: llvmpipeLoops on llvmpipe, else no limit.
func (b *Backend) loopBudget() int {
	info := &b.dev.Info
	if strings.Contains(info.DriverName, "llvmpipe") || strings.Contains(info.Name, "llvmpipe") {
		return llvmpipeLoops
	}
	return math.MaxInt
}

// checkLoops fails the stream when an invocation of kernel would run
// iters loop iterations, more than the device allows; what says what the
// loop goes over.
func (b *Backend) checkLoops(kernel string, iters int, what string) bool {
	if budget := b.loopBudget(); iters > budget {
		b.s.Fail(fmt.Errorf("vkgraph: %s would run %d loop iterations in one invocation over %s, and %s stops at %d (it would give a wrong result): use a smaller image, or tile it",
			kernel, iters, what, b.dev.Info.Name, budget))
		return false
	}
	return true
}
