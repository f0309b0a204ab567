package fast_test

import (
	"fmt"

	"github.com/vkstyle/vkstyle/fast"
	"github.com/vkstyle/vkstyle/graph/cpu"
	"github.com/vkstyle/vkstyle/stylize"
)

// Stylise one image with a fast_neural_style model. The CPU reference
// backend stands in for the GPU here; a program would open a device
// (stylize.NewGPU) and pass its Backend().
func Example() {
	m, err := fast.LoadTransformer("testdata/tnet.pth") // e.g. candy.pth
	if err != nil {
		panic(err)
	}
	b := cpu.New()
	if err := m.Upload(b); err != nil {
		panic(err)
	}
	defer m.Close()
	content, err := stylize.Load("testdata/content.png")
	if err != nil {
		panic(err)
	}
	out, err := m.Stylize(content)
	if err != nil {
		panic(err)
	}
	ow, oh := fast.OutputSize(content.W, content.H)
	fmt.Printf("%d×%d in, %d×%d out (the network computes %d×%d)\n", content.W, content.H, out.W, out.H, ow, oh)
	// Output:
	// 19×23 in, 19×23 out (the network computes 20×24)
}
