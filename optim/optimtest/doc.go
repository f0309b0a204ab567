// Package optimtest helps test and benchmark implementations of optim.Space:
// a conformance test (TestSpace) comparing every method with
// optim.Float64Space on awkward lengths, a leak-checking wrapper
// (CountingSpace), an adapter for objectives computed on the host (HostFunc)
// and the L-BFGS vector-work benchmark (BenchLBFGSVectorWork).
//
// A GPU Space is checked with
//
//	func TestSpace(t *testing.T) { optimtest.TestSpace(t, myGPUSpace) }
//	func BenchmarkLBFGSVectorWork(b *testing.B) {
//		optimtest.BenchLBFGSVectorWork(b, myGPUSpace, 3*512*512, 100)
//	}
package optimtest
