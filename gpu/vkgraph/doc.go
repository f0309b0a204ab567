// Package vkgraph is the Vulkan backend of graph: every graph.Kernels
// method records one or a few compute dispatches into a gpu.Stream, so a
// whole forward and backward pass is one synchronisation, cut into
// submissions of at most the device's work budget (gpu.Options.SubmitGFLOP;
// work.go declares the work); Download and Flush submit and wait.
//
// Each op is a shader in shaders/ (named after the op), a file here that
// binds it, and its specification in graph/cpu; graph/graphtest checks the
// pair on awkward shapes and against PyTorch goldens.
//
// Inputs are read through uniform texel buffers where the op is heavy
// (convolutions, Gram matrices): lavapipe reads them an order of magnitude
// faster than storage buffers, and every GPU caches them. The heavy ops
// come in two families (Family): register tiles for CPU implementations,
// and 64×64 tiles staged through shared memory for GPUs; both sum in the
// same order (on lavapipe they give the same bits; tested) but for the
// shared family's sliced Gram forward (gram_sliced.go). Outputs are
// storage buffers; an output larger than one binding may cover
// (maxStorageBufferRange) is written in several dispatches over ranges of
// its planes, so any tensor the device can allocate works. An input larger
// than maxTexelBufferElements is an error that says so.
package vkgraph
