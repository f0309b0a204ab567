package optim

import (
	"errors"
	"fmt"
	"math"
)

// NonFiniteError reports a NaN or infinite loss or gradient. The optimiser
// that returns it has put its parameter vector back to the last iterate at
// which the loss and gradient were finite, and refuses further steps until a
// saved state is restored.
type NonFiniteError struct {
	// Quantity is "loss", "gradient" (Value is then max |g_i|) or
	// "directional derivative" (Value is g·d for the search direction d,
	// non-finite because an element of the gradient is).
	Quantity string
	// Value is the offending value: NaN, +Inf or -Inf.
	Value float64
	// Eval is the number of the evaluation of the objective, counting from 1
	// over the optimiser's life (L-BFGS's func_evals, Adam's step number).
	Eval int
}

func (e *NonFiniteError) Error() string {
	if e.Quantity == "directional derivative" {
		return fmt.Sprintf("optim: gradient is not finite at evaluation %d (directional derivative is %v)", e.Eval, e.Value)
	}
	return fmt.Sprintf("optim: %s is %v at evaluation %d", e.Quantity, e.Value, e.Eval)
}

// ErrClosed is returned by the methods of a closed optimiser.
var ErrClosed = errors.New("optim: optimiser is closed")

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func checkFinite(quantity string, v float64, eval int) error {
	if finite(v) {
		return nil
	}
	return &NonFiniteError{Quantity: quantity, Value: v, Eval: eval}
}

// failedError is returned by Step after an earlier Step failed.
func failedError(name string, cause error) error {
	return fmt.Errorf("optim: %s: an earlier step failed (%v); restore a saved state or start a new optimiser", name, cause)
}

// scalars wraps a Space and keeps the first error returned by its reducing
// methods, so that a sequence of vector operations can be checked once. After
// an error the reductions return NaN.
type scalars struct {
	s   Space
	err error
}

func (c *scalars) dot(a, b Vector) float64 {
	if c.err != nil {
		return math.NaN()
	}
	v, err := c.s.Dot(a, b)
	if err != nil {
		c.err = fmt.Errorf("optim: Dot: %w", err)
		return math.NaN()
	}
	return v
}

func (c *scalars) maxAbs(a Vector) float64 {
	if c.err != nil {
		return math.NaN()
	}
	v, err := c.s.MaxAbs(a)
	if err != nil {
		c.err = fmt.Errorf("optim: MaxAbs: %w", err)
		return math.NaN()
	}
	return v
}

// read copies v to dst and reports whether it did; after an error dst is
// left as it was.
func (c *scalars) read(v Vector, dst []float64) bool {
	if c.err != nil {
		return false
	}
	if err := c.s.Read(v, dst); err != nil {
		c.err = fmt.Errorf("optim: Read: %w", err)
		return false
	}
	return true
}

func (c *scalars) absSum(a Vector) float64 {
	if c.err != nil {
		return math.NaN()
	}
	v, err := c.s.AbsSum(a)
	if err != nil {
		c.err = fmt.Errorf("optim: AbsSum: %w", err)
		return math.NaN()
	}
	return v
}
