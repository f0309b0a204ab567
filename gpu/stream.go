package gpu

import "errors"

// Stream is an ordered queue of GPU work shared by everything that records
// into one synchronisation: the graph backend's forward and backward
// kernels and the optimiser's vector work. Callers record into Batch();
// Sync submits what is pending (in pieces: Batch.Work), waits once, and
// starts a fresh batch. The first recording error is kept and returned by
// Sync, so APIs that cannot return errors (graph.Kernels) can still report
// them.
type Stream struct {
	dev        *Device
	batch      *Batch
	err        error
	syncs      int
	submits    int       // vkQueueSubmit calls of those syncs
	dispatches int       // recorded in the batches those syncs submitted
	split      int       // the most of them one sync made
	release    []*Buffer // closed after the next Sync
	timings    []Timing  // of the submissions since TakeTimings
}

// NewStream creates a stream on dev.
func (d *Device) NewStream() (*Stream, error) {
	b, err := d.NewBatch()
	if err != nil {
		return nil, err
	}
	return &Stream{dev: d, batch: b}, nil
}

// Device is the stream's device.
func (s *Stream) Device() *Device { return s.dev }

// Batch is the batch to record into. It is valid until the next Sync.
func (s *Stream) Batch() *Batch { return s.batch }

// Fail records err (the first one wins) for the next Sync to return.
func (s *Stream) Fail(err error) {
	if err != nil && s.err == nil {
		s.err = err
	}
}

// Err is the first recording error since the last Sync.
func (s *Stream) Err() error { return s.err }

// TakeTimings returns the per-dispatch GPU times of the submissions since
// the last call (when the device profiles; see Options.Profile) and
// forgets them.
func (s *Stream) TakeTimings() []Timing {
	t := s.timings
	s.timings = nil
	return t
}

// Syncs counts the synchronisations so far (Syncs that had work to
// submit): a cost to watch in loops.
func (s *Stream) Syncs() int { return s.syncs }

// Submissions counts the vkQueueSubmit calls of those syncs: more than
// Syncs when work was cut to fit the device's budget per submission
// (Options.SubmitGFLOP; see Batch.Work).
func (s *Stream) Submissions() int { return s.submits }

// Dispatches counts the dispatches the syncs so far submitted: with
// Syncs, what a loop's iteration costs.
func (s *Stream) Dispatches() int { return s.dispatches }

// MaxSplit is the most submissions one Sync has made: how many pieces the
// largest batch (an evaluation of the network) was cut into.
func (s *Stream) MaxSplit() int { return s.split }

// Release closes buf once no recorded work can use it: now when nothing
// is pending, else after the next Sync. (Destroying a buffer that recorded
// work still binds is invalid Vulkan.)
func (s *Stream) Release(buf *Buffer) {
	if s.batch != nil && (s.batch.recording || s.batch.Dispatches() > 0) {
		s.release = append(s.release, buf)
		return
	}
	buf.Close()
}

// Sync submits the pending work and waits for it. After an error the
// pending work is discarded, the error returned once, and the stream is
// usable again.
func (s *Stream) Sync() error {
	if s.batch == nil {
		return errors.New("gpu: stream is closed")
	}
	err := s.err
	if err == nil {
		if s.batch.Dispatches() > 0 || s.batch.recording {
			s.syncs++
			n := s.batch.Submissions()
			s.submits += n
			s.split = max(s.split, n)
			s.dispatches += s.batch.Dispatches()
			err = s.batch.Submit()
			s.timings = append(s.timings, s.batch.Timings()...)
		}
	}
	s.err = nil
	if rerr := s.batch.Reset(); err == nil {
		err = rerr
	}
	for _, b := range s.release {
		b.Close()
	}
	s.release = nil
	return err
}

// Close discards pending work and frees the stream. Safe to call twice.
func (s *Stream) Close() error {
	if s.batch == nil {
		return nil
	}
	err := s.batch.Close()
	s.batch = nil
	for _, b := range s.release {
		b.Close()
	}
	s.release = nil
	return err
}
