package optim_test

import (
	"math/rand/v2"

	"github.com/vkstyle/vkstyle/optim/optimtest"
	"gonum.org/v1/gonum/mat"
)

// rosenbrock is f(x) = (1-x0)² + 100(x1-x0²)², minimum 0 at (1, 1), and
// maxRelDiff(a, b, floor) is max_i |a_i - b_i| / max(|b|_∞, floor):
// optimtest's.
var (
	rosenbrock = optimtest.Rosenbrock
	maxRelDiff = optimtest.MaxRelDiff
)

// leastSquares is f(x) = ½|Ax - b|² with A m×n, row-major.
type leastSquares struct {
	m, n int
	a, b []float64
	r    []float64
}

func (p *leastSquares) f(x, g []float64) float64 {
	if p.r == nil {
		p.r = make([]float64, p.m)
	}
	var loss float64
	for i := 0; i < p.m; i++ {
		ri := -p.b[i]
		for j := 0; j < p.n; j++ {
			ri += p.a[i*p.n+j] * x[j]
		}
		p.r[i] = ri
		loss += ri * ri
	}
	for j := range g {
		g[j] = 0
		for i := 0; i < p.m; i++ {
			g[j] += p.a[i*p.n+j] * p.r[i]
		}
	}
	return 0.5 * loss
}

// optimum solves the normal equations with gonum.
func (p *leastSquares) optimum() []float64 {
	a := mat.NewDense(p.m, p.n, p.a)
	var x mat.VecDense
	if err := x.SolveVec(a, mat.NewVecDense(p.m, p.b)); err != nil {
		panic(err)
	}
	return x.RawVector().Data
}

// randomLeastSquares returns a well-conditioned random problem and a start.
func randomLeastSquares(seed uint64, m, n int) (*leastSquares, []float64) {
	rng := rand.New(rand.NewPCG(seed, 3))
	p := &leastSquares{m: m, n: n, a: make([]float64, m*n), b: make([]float64, m)}
	for i := range p.a {
		p.a[i] = rng.NormFloat64()
	}
	for i := range p.b {
		p.b[i] = rng.NormFloat64()
	}
	x0 := make([]float64, n)
	for i := range x0 {
		x0[i] = rng.NormFloat64()
	}
	return p, x0
}
