// Package optim implements the optimisers of vkstyle, Adam and L-BFGS, over
// a small vector interface so that the same code runs on device-resident
// vectors (GPU buffers, implemented outside this package) and on plain Go
// slices (Float64Space, the reference, and Float32Space, which mimics the
// single-precision arithmetic of a GPU).
//
// Both optimisers follow PyTorch 1.13 to the letter (the same formulas,
// defaults, tests and branches; only the summation order inside dot products
// differs), so that a run can be compared with torch.optim and so that users
// of neural-style and neural-style-pt get the behaviour they know:
//
//   - Adam is torch.optim.Adam's single-tensor path (Kingma & Ba, "Adam: A
//     Method for Stochastic Optimization", ICLR 2015, with PyTorch's placement
//     of ε after the bias correction of the second moment).
//   - LBFGS is torch.optim.LBFGS: the two-loop recursion of Nocedal & Wright,
//     Numerical Optimization (2nd ed.), Algorithm 7.4, either with a fixed
//     step or with the strong Wolfe line search of §3.5 (Algorithms 3.5 and
//     3.6, cubic interpolation as in §3.5 eq. 3.59) ported from torch's
//     lswolfe.lua lineage.
//
// The tests replay trajectories recorded with torch (written by
// testdata/make_goldens.py) and compare the directions with gonum's L-BFGS
// (gonum_test.go, behind the build tag gonumoptimize).
//
// The objective is a Func that writes the gradient into a vector of the same
// Space. The optimisers call the Space for every vector operation and read
// back only the scalars they need (dot products, norms), as late as the
// algorithm allows; a GPU Space may record the element-wise work and submit it
// when a scalar is asked for.
//
// Runtime conditions (a NaN loss, a failed evaluation, a device error) are
// returned as errors prefixed "optim:"; after a NaN or Inf the parameter
// vector is left at the last iterate at which the loss and gradient were
// finite. Mismatched vector lengths and other programmer errors panic with
// the same prefix.
//
// The state of either optimiser, including the L-BFGS history, can be saved
// and restored (see "Saved state" below); a restored run continues
// bit-identically.
//
// The sub-package optimtest holds a conformance test for any Space
// implementation and the vector-work benchmark.
//
// # Saved state
//
// MarshalBinary and WriteTo write the state of an optimiser as a byte
// stream, version 1:
//
//	magic    8 bytes  "VKSOPTIM"
//	version  uint32   1
//	kind     uint32   1 = Adam, 2 = LBFGS
//	body              kind-specific fields, below
//	crc      uint32   CRC-32 (IEEE) of all preceding bytes
//
// All integers are little-endian; "int" fields are int64, "float" fields are
// IEEE 754 binary64 bit patterns, "bool" fields one byte (0 or 1). A vector
// is written as
//
//	encoding uint8    0 = absent, 4 = float32 values, 8 = float64 values
//	length   uint64   (absent: not written)
//	values   length × 4 or 8 bytes
//
// read through Space.Read; it is stored as float32 when every element is
// exactly a float32 (always the case for Float32Space and single-precision
// GPU spaces), which halves the size and loses nothing.
//
// Adam body:
//
//	n int; step int; x, m, v, xPrev vectors (xPrev absent before the first
//	step)
//
// LBFGS body (the names in brackets are torch's state keys):
//
//	n int; funcEvals int [func_evals]; nIter int [n_iter]; t float [t];
//	hDiag float [H_diag]; havePrev bool; prevLoss float [prev_loss];
//	x vector; d vector [d] (absent before the first iteration);
//	prevG vector [prev_flat_grad] (absent unless havePrev);
//	x0 vector (the last good iterate, present only if x has moved since
//	its last evaluation); k int (history length); then k times:
//	ro float [ro], y vector [old_dirs], s vector [old_stps]; oldest first.
//
// The hyper-parameters are not saved: the restoring optimiser keeps its own.
// Restoring the state of an optimiser with the same configuration into a new
// one, on a Space with the same arithmetic, continues the run bit for bit.
package optim
