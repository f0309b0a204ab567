package stylize_test

import (
	"context"
	"fmt"
	"log"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/stylize"
	"github.com/vkstyle/vkstyle/vgg"
)

// Example stylises vkstyle's sample landscape with its sample swirls on
// the default Vulkan device, using the embedded network (no download).
// With VGG19 weights cached, vgg.LoadModel("", "vgg19", nil) gives the
// network of Gatys et al. instead.
func Example() {
	dev, err := gpu.Open(gpu.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()
	eng, err := stylize.NewGPU(dev)
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	model := stylize.FromNet("embedded", vgg.NewRandom(0))
	defer model.Close()

	result, err := stylize.Run(context.Background(), eng, model, stylize.Request{
		Content: stylize.SampleContent(48, 32),
		Styles:  []*stylize.Image{stylize.SampleStyle(48, 48)},
		Options: stylize.Options{Size: 48, Iterations: 5, Init: "content",
			ContentLayers: []stylize.Layer{{Name: "relu3_1", Weight: 1}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d×%d\n", result.W, result.H) // stylize.Save(path, result, stylize.SaveOptions{}) writes it
	// Output: 48×32
}
