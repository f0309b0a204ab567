package stylize

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"math"
	"os"
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

// fingerprint hashes what determines a run's trajectory: the options that
// matter (not how often it prints or saves) and the pixels of every image.
func fingerprint(m Model, r Request, o Options) string {
	h := sha256.New()
	o.PrintEvery, o.SaveEvery = 0, 0
	js, _ := json.Marshal(o)
	h.Write(js)
	h.Write([]byte(m.Name()))
	for _, im := range append([]*Image{r.Content, r.Init}, r.Styles...) {
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
	if !bytes.HasPrefix(data, []byte(checkpointMagic)) || len(data) < len(checkpointMagic)+4 {
		return nil, fmt.Errorf("%s: not a vkstyle checkpoint", path)
	}
	if v := binary.LittleEndian.Uint32(data[len(checkpointMagic):]); v != checkpointVersion {
		return nil, fmt.Errorf("%s: checkpoint version %d, this vkstyle reads %d: start the run again", path, v, checkpointVersion)
	}
	var c Checkpoint
	if err := gob.NewDecoder(bytes.NewReader(data[len(checkpointMagic)+4:])).Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: corrupt checkpoint (%v): start the run again", path, err)
	}
	return &c, nil
}
