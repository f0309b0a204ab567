// Package graph holds the tensors, ops, reverse-mode tape and memory
// planning of vkstyle, and the Backend interface that devices implement.
//
// The maths is that of Gatys, Ecker & Bethge (2015), "A Neural Algorithm
// of Artistic Style": content loss is a mean squared error between feature
// maps, style loss a mean squared error between Gram matrices, and the
// image is found by gradient descent on a weighted sum of the two (plus a
// total-variation prior). This package provides the pieces: convolution,
// ReLU, pooling, Gram, MSE, TV, weighted sum, bilinear resize and
// per-channel statistics, each with its backward rule, and neural-style's
// gradient normalisation (NormalizeGrad).
//
// A Graph is built once: leaves (Variable, Constant), then ops, then
// Backward(loss). Ops do not compute anything; they append kernel steps
// to a tape. Compile plans memory (buffers pooled by exact size, reused
// once a tensor is dead; see Plan) and Program.Run issues the whole
// forward and backward schedule to a Backend in one stream, so a GPU
// backend can record one command buffer per iteration and nothing is read
// back until the caller downloads the loss or a gradient.
//
// A sketch:
//
//	g := graph.New()
//	x := g.Variable("x", graph.NCHW(1, 3, h, w))
//	w1 := g.Constant("conv1_1.w", graph.NCHW(64, 3, 3, 3))
//	b1 := g.Constant("conv1_1.b", graph.NCHW(1, 64, 1, 1))
//	r := g.ReLU(g.Conv2D(x, w1, b1, graph.ConvOpts{Pad: 1})).SetName("relu1_1")
//	target := g.Constant("style1_1", graph.NCHW(1, 1, 64, 64))
//	loss := g.WeightedSum([]*graph.Tensor{g.MSE(g.Gram(r), target), g.TV(x)}, []float32{100, 1e-3})
//	g.Backward(loss)
//	prog, err := g.Compile(backend) // bind leaves with x.Bind(buf) etc.
//	prog.Run()                      // then backend.Download(x.Grad(), grad)
//
// graph/cpu is the reference backend in plain Go and the specification of
// every kernel; graph/graphtest is the conformance suite a device backend
// must pass. Programmer errors (shape mismatches, misuse) panic with the
// prefix "graph:"; runtime failures (allocation) are returned as errors.
package graph
