// Package shaders holds vkstyle's GLSL compute kernels and their SPIR-V.
//
// Each op is one small .comp file that defines its variant and includes the
// family body (eltwise.glsl, reduce.glsl, ...), following the kernel
// contract in common.glsl: storage inputs first, output last, a push-constant
// block of sizes, bounds check first, work-group size from specialisation
// constant 0. The SPIR-V is compiled by glslc (./build.sh shaders) and
// committed, so go build and go test never need glslc; ./build.sh test fails
// when a committed .spv is stale.
package shaders

import (
	"embed"
	"fmt"
	"sort"
	"strings"
)

//go:embed *.spv
var spirv embed.FS

// Code returns the SPIR-V of the named kernel ("axpy" for axpy.spv).
func Code(name string) ([]byte, error) {
	b, err := spirv.ReadFile(name + ".spv")
	if err != nil {
		return nil, fmt.Errorf("shaders: no kernel %q", name)
	}
	return b, nil
}

// Names lists the embedded kernels.
func Names() []string {
	entries, _ := spirv.ReadDir(".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".spv"))
	}
	sort.Strings(names)
	return names
}
