package optim

// Vector is an opaque vector owned by a Space. Its elements are real numbers
// whose storage precision is the Space's business (float64 for Float64Space,
// float32 for Float32Space and typically for GPU spaces).
//
// A Vector must only be passed to methods of the Space that created it (or,
// for Float64Space and Float32Space, that accepts its concrete type).
type Vector interface {
	// Len returns the number of elements.
	Len() int
}

// Space performs the vector work of the optimisers.
//
// Implementations may defer work (record it on a GPU) until a method that
// returns a scalar or host data (Dot, MaxAbs, AbsSum, Read) is called; the
// methods without an error result therefore report nothing, and a failure of
// deferred work is returned by the next method that returns an error. Work
// must appear to execute in the order the methods were called.
//
// Aliasing: every method accepts the same Vector in several arguments
// (Copy(v, v) is a no-op, Axpy(v, a, v) computes v += a*v, Dot(v, v) is the
// squared norm) except Adam, whose four vectors must be distinct.
//
// Lengths: vectors passed to one call must have equal lengths, and host
// slices passed to Read and Write must have the vector's length; a mismatch is
// a programmer error and panics with the prefix "optim:" (or the
// implementation's package prefix).
//
// Reductions over zero elements return 0.
type Space interface {
	// New returns a zero-filled vector of n elements. It panics if n < 0 and
	// returns an error if the memory cannot be allocated.
	New(n int) (Vector, error)

	// Free releases v. Freeing a vector twice is harmless; using a freed
	// vector is a programmer error.
	Free(v Vector)

	// Copy sets dst = src.
	Copy(dst, src Vector)

	// Scale sets dst = a*dst.
	Scale(dst Vector, a float64)

	// Axpy sets dst = dst + a*x.
	Axpy(dst Vector, a float64, x Vector)

	// Dot returns Σ a_i b_i. It may synchronise with the device.
	Dot(a, b Vector) (float64, error)

	// MaxAbs returns max_i |v_i|, the infinity norm; the result is NaN if any
	// element is NaN and +Inf if any element is infinite. It may synchronise
	// with the device.
	MaxAbs(v Vector) (float64, error)

	// DotTo sets dst_i = Σ a_k b_k, rounded to dst's precision, and keeps it
	// in the space: nothing is returned, so a GPU space records it without
	// synchronising. Read dst to see it.
	DotTo(dst Vector, i int, a, b Vector)

	// DotsTo sets dst_{at+p·len(bs)+j} = Σ as[p]_k bs[j]_k for every p and
	// j, each as DotTo computes it (a product of a and b and of b and a
	// is the same, whichever list each is in), and keeps them in the
	// space. A GPU space reads each vector once for several products and
	// records a few dispatches whatever the lengths: the vector-free
	// L-BFGS asks for three vectors' products with its whole history.
	DotsTo(dst Vector, at int, as, bs []Vector)

	// Combine sets dst = Σ_j c[j]·xs[j], the terms added in the order of
	// j to a sum that starts at zero, each as Axpy adds it. dst must not
	// be one of xs, and xs must not be empty.
	Combine(dst Vector, c []float64, xs []Vector)

	// AbsSum returns Σ |v_i|, the 1-norm. It may synchronise with the device.
	// L-BFGS needs it once, for the length of its first step.
	AbsSum(v Vector) (float64, error)

	// Adam performs one fused Adam update (torch.optim.Adam, single-tensor
	// path), element by element with g' = g + p.WeightDecay*x:
	//
	//	m = β1·m + (1-β1)·g'
	//	v = β2·v + (1-β2)·g'·g'
	//	x = x - p.StepSize · m / (sqrt(v)/p.BiasCorrection2Sqrt + p.Eps)
	//
	// g is not modified. x, g, m and v must be four distinct vectors.
	Adam(x, g, m, v Vector, p AdamParams)

	// Read copies v to the host slice dst, converting to float64 (exactly, for
	// float32 and float64 storage). It synchronises with the device.
	Read(v Vector, dst []float64) error

	// Write copies the host slice src into v, rounding to the storage
	// precision (round to nearest even).
	Write(v Vector, src []float64) error
}

// AdamParams holds the scalars of one Adam update (see Space.Adam). The bias
// corrections are computed on the host by Adam.Step for its step number t:
// StepSize = lr/(1-β1^t) and BiasCorrection2Sqrt = sqrt(1-β2^t).
type AdamParams struct {
	Beta1, Beta2        float64 // moment decay rates β1, β2
	Eps                 float64 // ε, added to the corrected root second moment
	StepSize            float64 // lr / (1 - β1^t)
	BiasCorrection2Sqrt float64 // sqrt(1 - β2^t)
	WeightDecay         float64 // L2 penalty coefficient (0: none)
}

// Func evaluates the objective at x and writes its gradient into grad,
// overwriting it. It returns the loss. It must not modify x. x and grad are
// vectors of the optimiser's Space; x is the optimiser's parameter vector
// (the one given to NewAdam or NewLBFGS) and grad is owned by the optimiser.
// A returned error stops the optimiser's Step and is wrapped into its error.
type Func func(x, grad Vector) (loss float64, err error)
