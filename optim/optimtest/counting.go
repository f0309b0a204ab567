package optimtest

import (
	"fmt"
	"sync"

	"github.com/vkstyle/vkstyle/optim"
)

// CountingSpace wraps a Space and counts its live vectors, so that a test
// can check that an optimiser frees what it allocates. Its vectors wrap
// those of the inner Space; using a freed vector panics.
type CountingSpace struct {
	Inner optim.Space

	mu          sync.Mutex
	live, total int
}

var _ optim.Space = (*CountingSpace)(nil)

type countedVector struct {
	v     optim.Vector
	n     int
	freed bool
}

func (c *countedVector) Len() int { return c.n }

// Live returns the number of vectors allocated and not yet freed.
func (c *CountingSpace) Live() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}

// Allocated returns the number of vectors allocated so far.
func (c *CountingSpace) Allocated() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

func (c *CountingSpace) in(v optim.Vector) optim.Vector {
	cv, ok := v.(*countedVector)
	if !ok {
		panic(fmt.Sprintf("optimtest: CountingSpace: vector of type %T", v))
	}
	if cv.freed {
		panic("optimtest: CountingSpace: use of a freed vector")
	}
	return cv.v
}

// New allocates a vector of the inner Space.
func (c *CountingSpace) New(n int) (optim.Vector, error) {
	v, err := c.Inner.New(n)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.live++
	c.total++
	c.mu.Unlock()
	return &countedVector{v: v, n: n}, nil
}

// Free frees the inner vector once.
func (c *CountingSpace) Free(v optim.Vector) {
	cv, ok := v.(*countedVector)
	if !ok || cv.freed {
		return
	}
	cv.freed = true
	c.Inner.Free(cv.v)
	c.mu.Lock()
	c.live--
	c.mu.Unlock()
}

// Copy forwards to Inner.
func (c *CountingSpace) Copy(dst, src optim.Vector) { c.Inner.Copy(c.in(dst), c.in(src)) }

// Scale forwards to Inner.
func (c *CountingSpace) Scale(dst optim.Vector, a float64) { c.Inner.Scale(c.in(dst), a) }

// Axpy forwards to Inner.
func (c *CountingSpace) Axpy(dst optim.Vector, a float64, x optim.Vector) {
	c.Inner.Axpy(c.in(dst), a, c.in(x))
}

// Dot forwards to Inner.
func (c *CountingSpace) Dot(a, b optim.Vector) (float64, error) { return c.Inner.Dot(c.in(a), c.in(b)) }

// DotTo forwards to Inner.
func (c *CountingSpace) DotTo(dst optim.Vector, i int, a, b optim.Vector) {
	c.Inner.DotTo(c.in(dst), i, c.in(a), c.in(b))
}

// DotsTo forwards to Inner.
func (c *CountingSpace) DotsTo(dst optim.Vector, at int, as, bs []optim.Vector) {
	c.Inner.DotsTo(c.in(dst), at, c.ins(as), c.ins(bs))
}

// Combine forwards to Inner.
func (c *CountingSpace) Combine(dst optim.Vector, coefs []float64, xs []optim.Vector) {
	c.Inner.Combine(c.in(dst), coefs, c.ins(xs))
}

// ins is in of each of vs.
func (c *CountingSpace) ins(vs []optim.Vector) []optim.Vector {
	out := make([]optim.Vector, len(vs))
	for i, v := range vs {
		out[i] = c.in(v)
	}
	return out
}

// MaxAbs forwards to Inner.
func (c *CountingSpace) MaxAbs(v optim.Vector) (float64, error) { return c.Inner.MaxAbs(c.in(v)) }

// AbsSum forwards to Inner.
func (c *CountingSpace) AbsSum(v optim.Vector) (float64, error) { return c.Inner.AbsSum(c.in(v)) }

// Adam forwards to Inner.
func (c *CountingSpace) Adam(x, g, m, v optim.Vector, p optim.AdamParams) {
	c.Inner.Adam(c.in(x), c.in(g), c.in(m), c.in(v), p)
}

// Read forwards to Inner.
func (c *CountingSpace) Read(v optim.Vector, dst []float64) error { return c.Inner.Read(c.in(v), dst) }

// Write forwards to Inner.
func (c *CountingSpace) Write(v optim.Vector, src []float64) error {
	return c.Inner.Write(c.in(v), src)
}
