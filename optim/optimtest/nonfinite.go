package optimtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/optim"
)

// Poisoned wraps a host objective F: from evaluation Bad on (counting from
// 1) it spoils the result as How says, and it records the points at which
// it returned finite values. How is one of
//
//	"loss NaN", "loss +Inf"          the loss
//	"gradient NaN", "gradient -Inf"  the middle or the first element of the gradient
//	"error"                          the Func returns ErrPoison
type Poisoned struct {
	F   func(x, grad []float64) float64
	Bad int
	How string

	N    int         // evaluations so far
	Good [][]float64 // the points of the evaluations before Bad
}

// ErrPoison is the error of a Poisoned objective whose How is "error".
var ErrPoison = errors.New("poisoned")

// Func returns the objective as an optim.Func on s (see HostFunc).
func (p *Poisoned) Func(s optim.Space) optim.Func {
	host := HostFunc(s, func(x, g []float64) float64 {
		loss := p.F(x, g)
		if p.N+1 < p.Bad {
			p.Good = append(p.Good, append([]float64(nil), x...))
			return loss
		}
		switch p.How {
		case "loss NaN":
			return math.NaN()
		case "loss +Inf":
			return math.Inf(1)
		case "gradient NaN":
			g[len(g)/2] = math.NaN()
		case "gradient -Inf":
			g[0] = math.Inf(-1)
		}
		return loss
	})
	return func(x, g optim.Vector) (float64, error) {
		loss, err := host(x, g)
		p.N++
		if p.How == "error" && p.N >= p.Bad {
			return 0, ErrPoison
		}
		return loss, err
	}
}

// CheckNonFiniteStop makes up to steps Steps of o, an optimiser of x on s,
// on the objective p until one fails, and checks that one fails, with the
// error p calls for at evaluation p.Bad: a wrapped ErrPoison, or a
// *optim.NonFiniteError for the spoilt quantity (a gradient may be reported
// as the line search's directional derivative). x must then be the last
// iterate at which the objective was finite, bit for bit: the iterates are
// x at the start and after each L-BFGS iteration (o's callback is replaced)
// or Adam Step. It returns the Step's error.
func CheckNonFiniteStop(t *testing.T, s optim.Space, o Optimiser, x optim.Vector, p *Poisoned, steps int) error {
	t.Helper()
	iterates := [][]float64{ReadVec(t, s, x)}
	if lb, ok := o.(*optim.LBFGS); ok {
		lb.SetCallback(func(optim.Iteration) error {
			iterates = append(iterates, ReadVec(t, s, x))
			return nil
		})
	}
	f := p.Func(s)
	var stepErr error
	for i := 0; i < steps && stepErr == nil; i++ {
		_, stepErr = o.Step(context.Background(), f)
		if _, ok := o.(*optim.Adam); ok && stepErr == nil {
			iterates = append(iterates, ReadVec(t, s, x))
		}
	}
	if stepErr == nil {
		t.Fatalf("no error after %d evaluations", p.N)
	}
	p.checkError(t, stepErr)

	// x is the last iterate at which the objective was finite: the last
	// iterate among the good points.
	got := ReadVec(t, s, x)
	var want []float64
	for i := len(iterates) - 1; i >= 0 && want == nil; i-- {
		for _, g := range p.Good {
			if EqualBits(iterates[i], g) {
				want = iterates[i]
				break
			}
		}
	}
	if want == nil {
		t.Fatal("no iterate was evaluated finite")
	}
	if !EqualBits(got, want) {
		t.Errorf("x is not the last good iterate: relative difference %.3g", MaxRelDiff(got, want, 1))
	}
	return stepErr
}

// checkError checks that err is the error p calls for, and logs it.
func (p *Poisoned) checkError(t *testing.T, err error) {
	t.Helper()
	if p.How == "error" {
		if !errors.Is(err, ErrPoison) || !strings.HasPrefix(err.Error(), "optim: ") || !strings.Contains(err.Error(), fmt.Sprintf("evaluation %d", p.Bad)) {
			t.Errorf("error %q, want a wrapped %q at evaluation %d", err, ErrPoison, p.Bad)
		}
		return
	}
	var nf *optim.NonFiniteError
	if !errors.As(err, &nf) {
		t.Fatalf("error %v (%T), want *NonFiniteError", err, err)
	}
	if nf.Eval != p.Bad {
		t.Errorf("error %q: evaluation %d, want %d", err, nf.Eval, p.Bad)
	}
	quantity := strings.Fields(p.How)[0]
	if nf.Quantity != quantity && !(quantity == "gradient" && nf.Quantity == "directional derivative") {
		t.Errorf("error %q: quantity %q, want %q", err, nf.Quantity, quantity)
	}
	t.Logf("%v", err)
}
