package gpu

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// SubmitEnv names the environment variable that sets the work budget of
// one submission, in GFLOP, when Options.SubmitGFLOP is 0.
const SubmitEnv = "VKSTYLE_SUBMIT_GFLOP"

// DefaultSubmitGFLOP is the work budget of one submission, in GFLOP
// (10⁹ floating-point operations as declared with Batch.Work), when
// neither Options.SubmitGFLOP nor $VKSTYLE_SUBMIT_GFLOP sets one.
//
// Kernel drivers reset a GPU whose job runs too long: amdgpu after 10 s on
// the graphics ring, i915 when a job outlives its heartbeat and
// preemption timeouts (2.5 s and 640 ms by default), Windows after 2 s.
// An integrated GPU sustains about 100-300 GFLOP/s on vkstyle's
// convolutions, so 20 GFLOP is 0.1-0.2 s of work there, far from any of
// those limits, and short enough that a desktop drawn by the same GPU
// stays usable; a discrete GPU does it in milliseconds, and lavapipe on
// two cores in about half a second. VGG19's forward and backward at 256²
// are about 100 GFLOP (`vkstyle bench`), so an evaluation there is some
// five submissions; each costs tens of microseconds more than one
// command buffer would.
const DefaultSubmitGFLOP = 20

// submitBudget returns the work budget of one submission in FLOPs from
// the option, then the environment, then the default; 0 means no budget
// (each batch is one submission).
func submitBudget(opt float64) (float64, error) {
	gflop := opt
	if gflop == 0 {
		gflop = DefaultSubmitGFLOP
		if s := strings.TrimSpace(os.Getenv(SubmitEnv)); s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || v != v {
				return 0, fmt.Errorf("gpu: $%s=%q: want a number of GFLOP per submission (0 or less: one submission per batch)", SubmitEnv, s)
			}
			gflop = v
		}
	}
	if gflop <= 0 {
		return 0, nil
	}
	return gflop * 1e9, nil
}

// SubmitGFLOP is the work budget of one submission in GFLOP, 0 when each
// batch is submitted whole (see Options.SubmitGFLOP).
func (d *Device) SubmitGFLOP() float64 { return d.submitBudget / 1e9 }
