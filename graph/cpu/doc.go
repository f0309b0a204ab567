// Package cpu is the reference graph.Backend in plain Go: the
// specification every other backend is compared with.
//
// Kernels are written for clarity, not speed: straightforward loops that
// accumulate in float64 and round once when they store. Backward kernels
// accumulate into their outputs (dx += …), forward kernels overwrite; see
// graph.Kernels for the contract.
//
// New returns the float32 backend that device backends are compared with.
// New64 stores float64, for finite-difference gradient checks; its Upload
// and Download convert, and Data gives direct float64 access.
package cpu
