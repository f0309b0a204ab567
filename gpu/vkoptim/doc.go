// Package vkoptim implements optim.Space on float32 vectors resident on a
// Vulkan device, so that Adam and L-BFGS run their vector work where the
// image and its gradient already are.
//
// A Space records into a gpu.Stream, usually the one the graph backend
// records the forward and backward passes into, so an optimiser step joins
// the same submission. Element-wise methods (Copy, Scale, Axpy, Adam) only
// record; Dot, MaxAbs and AbsSum record a deterministic reduction into a
// device scalar, synchronise the stream and read the scalar back (only
// scalars come back); Read synchronises and copies the vector to the host;
// Write stages the host data in a scratch buffer and records a copy, so it
// stays in stream order without a synchronisation.
//
// Arithmetic follows optim.Float32Space (scalars rounded to float32,
// element-wise float32) with two differences: Axpy rounds once (a fused
// multiply-add, see gpu.Batch.Axpy), and reductions accumulate in float32
// over a fixed tree (see gpu.Batch.Sum) instead of sequentially in float64,
// so they are deterministic for a given device and length but not
// bit-identical to Float32Space. optimtest.Float32Tol bounds both.
//
// An L-BFGS iteration without line search makes three stream
// synchronisations besides the objective's, whatever its history: the
// products of g, s and y with the history (with sᵀy and yᵀy), gᵀd, and
// max |g|. Its two-loop recursion is vector-free (optim/vectorfree.go):
// one DotsTo and one Combine, a few dispatches each (gpu.Batch.DotsTo and
// Combine): see TestSyncsPerIteration, BenchmarkLBFGSVectorWork and
// BenchmarkReadback.
package vkoptim
