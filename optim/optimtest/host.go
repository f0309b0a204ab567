package optimtest

import (
	"fmt"

	"github.com/vkstyle/vkstyle/optim"
)

// HostFunc adapts an objective computed on the host in float64 to an
// optim.Func on s: it reads x with s.Read, calls f, and writes the gradient
// with s.Write (rounding it to the Space's precision). f must fill all of
// grad. The two host buffers are reused between calls.
func HostFunc(s optim.Space, f func(x, grad []float64) float64) optim.Func {
	var hx, hg []float64
	return func(x, grad optim.Vector) (float64, error) {
		n := x.Len()
		if len(hx) != n {
			hx, hg = make([]float64, n), make([]float64, n)
		}
		if err := s.Read(x, hx); err != nil {
			return 0, fmt.Errorf("optimtest: reading x: %w", err)
		}
		loss := f(hx, hg)
		if err := s.Write(grad, hg); err != nil {
			return 0, fmt.Errorf("optimtest: writing gradient: %w", err)
		}
		return loss, nil
	}
}
