// Package fast runs feed-forward style transfer networks on any graph
// backend (the Vulkan backend of gpu/vkgraph, or the CPU reference): one
// forward pass per image instead of an optimisation.
//
//   - Transformer: the transformation network of Johnson, Alahi & Fei-Fei
//     (2016) as pytorch/examples' fast_neural_style trains and saves it
//     (candy.pth, mosaic.pth, rain_princess.pth, udnie.pth and any
//     network trained with that script): one network per style.
//
// Weights are read from the state-dict files users already have (.pth,
// zip or legacy, or safetensors) through vgg.OpenStateDict, and stay on
// the host until Upload. Images are stylize.Image, samples in [0, 1].
package fast
