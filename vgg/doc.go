// Package vgg provides the feature networks of vkstyle: VGG19 and VGG16
// built on package graph, their weight files, input preprocessing, and
// download and cache; plus an offline random-filter network that needs no
// weights.
//
// Gatys, Ecker & Bethge (2015), "A Neural Algorithm of Artistic Style",
// match the Gram matrices and feature maps of VGG19 (Simonyan & Zisserman
// 2014), trained on ImageNet. A Net is such a network with frozen weights:
//
//	net, err := vgg.LoadModel("", "vgg19", []string{"relu1_1", "relu4_2", "relu5_1"})
//	err = net.Upload(backend)                // weights to the device, once
//	x := g.Variable("x", graph.NCHW(1, 3, h, w))
//	feats, err := net.Features(g, x, layers) // "relu4_2" → its tensor
//	net.Convention.Preprocess(input, rgb)    // what x must hold
//
// Only the layers a run needs are loaded and built: reading stops at the
// deepest requested layer, and the classifier (470 MB of torchvision's
// 548 MB file) is never read.
//
// Layer tables (layers.go) name layers like neural-style: conv1_1,
// relu1_1, …, pool5. Weight files (weights.go, pth.go, pickle.go,
// safetensors.go) may be torch.save state dicts in the zip or legacy
// format, or safetensors; keys are torchvision's features.N.weight and
// features.N.bias. A .pth's pickle is run by the unpickler of
// github.com/nlpodyssey/gopickle with a tensor whitelist, which refuses
// any other callable (os.system, say), and a persistent-load hook that
// only records storages: their bytes are read later, for the tensors a
// run needs. The weights' input
// convention (preprocess.go) is torchvision's (RGB, mean/std) or Caffe's
// (BGR, ×255, mean pixel), with the inverse for output.
//
// Known files, their URLs, sizes and hashes are one table (known.go).
// Fetch (fetch.go, rangefetch.go) downloads with resume, verifies the
// SHA-256 and renames into place; from a safetensors source it fetches
// only the convolution tensors with Range requests. Locate (cache.go)
// finds a file in the cache directory or says how to get one.
//
// NewRandom (random.go) is a multi-scale random-filter network after
// Ustyuzhaninov et al. (2017), deterministic from a seed: it gives colour
// and texture transfer with no download; VGG19 gives the real results.
//
// Errors start with "vgg: " and are one line. Programmer errors (a
// Preprocess length mismatch) panic with the same prefix.
package vgg
