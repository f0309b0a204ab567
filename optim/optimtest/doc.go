// Package optimtest helps test and benchmark implementations of optim.Space:
// a conformance test (TestSpace) comparing every method with
// optim.Float64Space on awkward lengths, a leak-checking wrapper
// (CountingSpace), an adapter for objectives computed on the host (HostFunc)
// and the L-BFGS vector-work benchmark (BenchLBFGSVectorWork).
//
// It also holds checks of the optimisers that hold on any Space, shared by
// package optim's tests and those of GPU Spaces: the replay of the PyTorch
// goldens (LoadGoldens, ReplayGoldens), a bit-exact save and restore
// (CheckRestore, Trajectory) and the stop at a non-finite evaluation with
// the last good iterate (Poisoned, CheckNonFiniteStop), with their test
// problems (Rosenbrock, LeastSquares) and helpers (NewVec, ReadVec,
// MaxRelDiff, EqualBits).
//
// A GPU Space is checked with
//
//	func TestSpace(t *testing.T) { optimtest.TestSpace(t, myGPUSpace) }
//	func BenchmarkLBFGSVectorWork(b *testing.B) {
//		optimtest.BenchLBFGSVectorWork(b, myGPUSpace, 3*512*512, 100)
//	}
package optimtest
