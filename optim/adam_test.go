package optim_test

import (
	"context"
	"testing"

	"github.com/vkstyle/vkstyle/optim"
	"github.com/vkstyle/vkstyle/optim/optimtest"
)

// TestAdamConverges runs Adam on a random least-squares problem and on
// Rosenbrock, with a learning rate decayed by 10× twice, in both spaces.
func TestAdamConverges(t *testing.T) {
	ls, lsX0 := randomLeastSquares(1, 20, 10)
	cases := []struct {
		name  string
		f     func(x, g []float64) float64
		x0    []float64
		want  []float64
		lr    float64
		steps int
		tol64 float64
		tol32 float64
	}{
		{"least_squares", ls.f, lsX0, ls.optimum(), 0.05, 3000, 1e-6, 1e-3},
		{"rosenbrock", rosenbrock, []float64{-1.2, 1}, []float64{1, 1}, 0.02, 20000, 1e-4, 1e-3},
	}
	for _, c := range cases {
		for _, sp := range []struct {
			name string
			s    optim.Space
			tol  float64
		}{{"Float64", optim.Float64Space{}, c.tol64}, {"Float32", optim.Float32Space{}, c.tol32}} {
			t.Run(c.name+"/"+sp.name, func(t *testing.T) {
				s := sp.s
				x := newVec(t, s, c.x0)
				o, err := optim.NewAdam(s, x, optim.AdamConfig{LR: c.lr})
				if err != nil {
					t.Fatal(err)
				}
				defer o.Close()
				f := optimtest.HostFunc(s, c.f)
				for i := 0; i < c.steps; i++ {
					if i == c.steps/2 || i == 3*c.steps/4 {
						o.SetLR(o.Config().LR / 10)
					}
					if _, err := o.Step(context.Background(), f); err != nil {
						t.Fatal(err)
					}
				}
				got := readVec(t, s, x)
				if d := maxRelDiff(got, c.want, 1); d > sp.tol {
					t.Errorf("after %d steps x = %v, optimum %v (relative distance %.3g > %.3g)", c.steps, got, c.want, d, sp.tol)
				}
				if o.Steps() != c.steps {
					t.Errorf("Steps() = %d, want %d", o.Steps(), c.steps)
				}
			})
		}
	}
}

func TestAdamDefaults(t *testing.T) {
	x := optim.Float64Vector{1}
	o, err := optim.NewAdam(optim.Float64Space{}, x, optim.AdamConfig{})
	if err != nil {
		t.Fatal(err)
	}
	want := optim.AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	if got := o.Config(); got != want {
		t.Errorf("defaults %+v, want %+v", got, want)
	}
	if _, err := optim.NewAdam(optim.Float64Space{}, x, optim.AdamConfig{Beta1: 1}); err == nil {
		t.Error("Beta1 = 1 accepted")
	}
}

// newVec and readVec are optimtest.NewVec and optimtest.ReadVec.
var (
	newVec  = optimtest.NewVec
	readVec = optimtest.ReadVec
)
