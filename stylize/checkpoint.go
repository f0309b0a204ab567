package stylize

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
)

// checkpointMagic starts a checkpoint file; the version follows it.
const (
	checkpointMagic   = "VKSTYLE-CHECKPOINT"
	checkpointVersion = 1
)

// Checkpoint is a stopped run: where it was and the optimiser's whole
// state, so that resuming gives the bits an uninterrupted run gives on the
// same device.
type Checkpoint struct {
	Fingerprint string    // of the options and images that shape the trajectory
	Scale       int       // index into the schedule
	Iteration   int       // iterations done at that scale
	Done        int       // iterations done over all scales
	W, H        int       // the image size at that scale
	X           []float32 // the iterate, in the network's input space
	Optimizer   []byte    // optim's MarshalBinary of the optimiser
	Adam        *AdamCarry
}

// AdamCarry is Adam's state carried between scales (see Options.Scales).
type AdamCarry struct {
	M, V  []float64
	W, H  int
	Steps int
}

// ErrBadCheckpoint is returned (wrapped, with what is wrong) when a
// checkpoint's counters or sizes do not fit the run resuming it: the file
// was damaged or edited, or written by another run.
var ErrBadCheckpoint = errors.New("the checkpoint does not fit this run")

// ErrCheckpointFailed is returned (wrapped, with ErrStopped and the
// cause) when a stopped run could not write its checkpoint.
var ErrCheckpointFailed = errors.New("writing the checkpoint failed")

// fits checks c's counters and sizes against the run that resumes it: the
// schedule sched and content image size cw×ch. It returns an error
// wrapping ErrBadCheckpoint that says what does not fit.
func (c *Checkpoint) fits(sched []Scale, cw, ch int) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: start again without -resume", ErrBadCheckpoint, fmt.Sprintf(format, args...))
	}
	if c.Scale < 0 || c.Scale >= len(sched) {
		return bad("scale %d, but the run has %d", c.Scale+1, len(sched))
	}
	if n := sched[c.Scale].Iterations; c.Iteration < 0 || c.Iteration > n {
		return bad("iteration %d, but scale %d has %d", c.Iteration, c.Scale+1, n)
	}
	before := 0
	for _, sc := range sched[:c.Scale] {
		before += sc.Iterations
	}
	if c.Done != before+c.Iteration {
		return bad("%d iterations done in all, but %d at scale %d means %d", c.Done, c.Iteration, c.Scale+1, before+c.Iteration)
	}
	if w, h := FitSide(cw, ch, sched[c.Scale].Side); c.W != w || c.H != h {
		return bad("an image of %d×%d, but this run's is %d×%d at that scale", c.W, c.H, w, h)
	}
	if len(c.X) != 3*c.W*c.H {
		return bad("%d samples for a %d×%d image", len(c.X), c.W, c.H)
	}
	for _, v := range c.X {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return bad("the image holds %v", v)
		}
	}
	if a := c.Adam; a != nil {
		if a.W < 1 || a.H < 1 || a.W > maxSide || a.H > maxSide || len(a.M) != 3*a.W*a.H || len(a.V) != 3*a.W*a.H || a.Steps < 0 {
			return bad("Adam's carried state (%d×%d, %d and %d moments, %d steps) is inconsistent", a.W, a.H, len(a.M), len(a.V), a.Steps)
		}
	}
	return nil
}

// fingerprint hashes what determines a run's trajectory: the options that
// matter (not how often it prints or saves) and the pixels of every image.
func fingerprint(m Model, r Request, o Options) string {
	h := sha256.New()
	o.PrintEvery, o.SaveEvery = 0, 0
	js, _ := json.Marshal(o)
	h.Write(js)
	h.Write([]byte(m.Name()))
	ims := append([]*Image{r.Content, r.Init}, r.Styles...)
	if r.ContentMasks != nil {
		// Masks join the fingerprint only when given, so unmasked runs
		// keep the fingerprints of older checkpoints.
		ims = append(append(append(ims, nil), r.ContentMasks...), r.StyleMasks...)
	}
	for _, im := range ims {
		if im == nil {
			h.Write([]byte{0})
			continue
		}
		binary.Write(h, binary.LittleEndian, [2]int64{int64(im.W), int64(im.H)})
		for _, v := range im.Pix {
			binary.Write(h, binary.LittleEndian, math.Float32bits(v))
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// SaveCheckpoint writes c to path atomically.
func SaveCheckpoint(path string, c *Checkpoint) error {
	var buf bytes.Buffer
	buf.WriteString(checkpointMagic)
	binary.Write(&buf, binary.LittleEndian, uint32(checkpointVersion))
	if err := gob.NewEncoder(&buf).Encode(c); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return writeFileAtomic(path, buf.Bytes())
}

// LoadCheckpoint reads a checkpoint written by SaveCheckpoint.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, unwrapPathErr(err))
	}
	return decodeCheckpoint(path, data)
}

// decodeCheckpoint decodes the bytes of the checkpoint file at path (named
// in errors).
func decodeCheckpoint(path string, data []byte) (*Checkpoint, error) {
	if !bytes.HasPrefix(data, []byte(checkpointMagic)) || len(data) < len(checkpointMagic)+4 {
		return nil, fmt.Errorf("%s: not a vkstyle checkpoint", path)
	}
	if v := binary.LittleEndian.Uint32(data[len(checkpointMagic):]); v != checkpointVersion {
		return nil, fmt.Errorf("%s: checkpoint version %d, this vkstyle reads %d: start the run again", path, v, checkpointVersion)
	}
	var c Checkpoint
	if err := gob.NewDecoder(bytes.NewReader(data[len(checkpointMagic)+4:])).Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: corrupt checkpoint (%s): start the run again", path, oneLine(err.Error()))
	}
	return &c, nil
}

// oneLine makes s, a decoder's message that may quote names from the file
// (gob's field names can hold any byte), fit in one line of an error: it
// is escaped as a Go string literal is, without the quotes.
func oneLine(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}
