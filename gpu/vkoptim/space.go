package vkoptim

import (
	"errors"
	"fmt"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/optim"
)

// Space is an optim.Space of float32 vectors on the device of a gpu.Stream
// (see the package documentation for what records and what synchronises).
// Methods without an error result record into the stream and report a
// recording failure through it: the next Sync, whoever calls it, returns
// the error. A Space is not safe for concurrent use, nor is its stream.
//
// Vectors the Space allocates are closed by Free, after the stream's next
// synchronisation (recorded work may still use them until then), and by
// Close.
type Space struct {
	st     *gpu.Stream
	dev    *gpu.Device
	scalar *gpu.Buffer // one float32: the result of the latest reduction
	adam   *gpu.Kernel
	live   map[*Vector]struct{} // allocated and not freed
	freed  []pendingFree        // freed, not yet closed
	host   []float32            // Read and Write scratch
	closed bool
}

// pendingFree is the buffer of a freed vector, which recorded work may
// still use until a synchronisation after the stream's count of syncs was
// syncs.
type pendingFree struct {
	buf   *gpu.Buffer
	syncs int
}

var _ optim.Space = (*Space)(nil)

// New returns a Space recording into s. The Space does not own s; close the
// Space before the stream.
func New(s *gpu.Stream) *Space {
	if s == nil {
		panic("vkoptim: New: nil stream")
	}
	return &Space{st: s, dev: s.Device(), live: map[*Vector]struct{}{}}
}

// Stream returns the stream the Space records into.
func (sp *Space) Stream() *gpu.Stream { return sp.st }

// Live returns the number of vectors the Space allocated and has not freed,
// so that tests can check that an optimiser frees what it allocates.
func (sp *Space) Live() int { return len(sp.live) }

// New returns a zero-filled vector of n float32 elements (4n bytes of device
// memory); the fill is recorded. It panics if n < 0.
func (sp *Space) New(n int) (optim.Vector, error) {
	if n < 0 {
		panic(fmt.Sprintf("vkoptim: Space.New: negative length %d", n))
	}
	if sp.closed {
		return nil, errors.New("vkoptim: New: the space is closed")
	}
	sp.release(false)
	buf, err := sp.dev.NewBuffer("vkoptim vector", uint64(n)*4)
	if err != nil && len(sp.freed) > 0 {
		// Freed vectors may be holding the memory: synchronise, close
		// them and try once more.
		if serr := sp.sync(); serr != nil {
			return nil, fmt.Errorf("vkoptim: New(%d): %w", n, serr)
		}
		buf, err = sp.dev.NewBuffer("vkoptim vector", uint64(n)*4)
	}
	if err != nil {
		return nil, fmt.Errorf("vkoptim: New(%d): %w", n, err)
	}
	v := &Vector{buf: buf, n: n, owned: true}
	sp.live[v] = struct{}{}
	if n > 0 {
		sp.fail("New", sp.st.Batch().Zero(buf.All()))
	}
	return v, nil
}

// Free releases v. The buffer of a vector the Space allocated is closed
// after the stream's next synchronisation, as recorded work may still use
// it; a wrapped vector's buffer stays open. Freeing twice is harmless.
func (sp *Space) Free(x optim.Vector) {
	v, ok := x.(*Vector)
	if !ok {
		panic(fmt.Sprintf("vkoptim: Space.Free: vector of type %T, want *vkoptim.Vector", x))
	}
	if v == nil || v.freed {
		return
	}
	v.freed = true
	if !v.owned {
		return
	}
	delete(sp.live, v)
	sp.freed = append(sp.freed, pendingFree{buf: v.buf, syncs: sp.st.Syncs()})
	v.buf = nil
	sp.release(false)
}

// release closes the buffers of freed vectors that no recorded work can
// use: all of them after a synchronisation by the Space (all), else those
// freed before the stream's latest synchronisation.
func (sp *Space) release(all bool) {
	keep := sp.freed[:0]
	for _, f := range sp.freed {
		if all || f.syncs < sp.st.Syncs() {
			f.buf.Close()
		} else {
			keep = append(keep, f)
		}
	}
	clear(sp.freed[len(keep):])
	sp.freed = keep
}

// fail records a recording error of op in the stream.
func (sp *Space) fail(op string, err error) {
	if err != nil {
		sp.st.Fail(fmt.Errorf("vkoptim: %s: %w", op, err))
	}
}

// sync submits the stream's pending work, waits, and closes the buffers of
// freed vectors (the stream's batch has been reset, whatever the outcome).
func (sp *Space) sync() error {
	err := sp.st.Sync()
	sp.release(true)
	return err
}

// Copy sets dst = src (a device copy; nothing when dst is src).
func (sp *Space) Copy(dst, src optim.Vector) {
	defer sp.st.Batch().WithLabel("optimiser")()
	d, s := vec(dst, "Copy"), vec(src, "Copy")
	sameLen("Copy", d.n, s.n)
	if d.buf == s.buf || d.n == 0 {
		return
	}
	size := uint64(d.n) * 4
	sp.fail("Copy", sp.st.Batch().Copy(d.buf.Range(0, size), s.buf.Range(0, size)))
}

// Scale sets dst_i = float32(a)·dst_i in float32.
func (sp *Space) Scale(dst optim.Vector, a float64) {
	defer sp.st.Batch().WithLabel("optimiser")()
	d := vec(dst, "Scale")
	sp.fail("Scale", sp.st.Batch().Scale(d.buf, float32(a), d.buf, d.n))
}

// Axpy sets dst_i = dst_i + float32(a)·x_i in float32 through fma(): one
// rounding on lavapipe, possibly two on a GPU (Vulkan allows it);
// Float32Space rounds the product first.
func (sp *Space) Axpy(dst optim.Vector, a float64, x optim.Vector) {
	defer sp.st.Batch().WithLabel("optimiser")()
	d, xs := vec(dst, "Axpy"), vec(x, "Axpy")
	sameLen("Axpy", d.n, xs.n)
	sp.fail("Axpy", sp.st.Batch().Axpy(d.buf, float32(a), xs.buf, d.n))
}

// Dot returns Σ a_i b_i, accumulated in float32 in a fixed order (see
// gpu.Batch.Dot). It synchronises the stream.
func (sp *Space) Dot(a, b optim.Vector) (float64, error) {
	as, bs := vec(a, "Dot"), vec(b, "Dot")
	sameLen("Dot", as.n, bs.n)
	return sp.reduce("Dot", func(batch *gpu.Batch, dst *gpu.Buffer) error {
		return batch.Dot(dst, 0, as.buf, bs.buf, as.n)
	})
}

// DotTo records dst_i = Σ a_k b_k, accumulated as Dot's, without
// synchronising.
func (sp *Space) DotTo(dst optim.Vector, i int, a, b optim.Vector) {
	defer sp.st.Batch().WithLabel("optimiser")()
	d, as, bs := vec(dst, "DotTo"), vec(a, "DotTo"), vec(b, "DotTo")
	sameLen("DotTo", as.n, bs.n)
	if i < 0 || i >= d.n {
		panic(fmt.Sprintf("vkoptim: DotTo: index %d of a vector of %d", i, d.n))
	}
	sp.fail("DotTo", sp.st.Batch().Dot(d.buf, i, as.buf, bs.buf, as.n))
}

// DotsTo records dst_{at+p·len(bs)+j} = Σ as[p]_k bs[j]_k for every p and
// j in a few dispatches (see gpu.Batch.DotsTo), without synchronising.
func (sp *Space) DotsTo(dst optim.Vector, at int, as, bs []optim.Vector) {
	defer sp.st.Batch().WithLabel("optimiser")()
	d := vec(dst, "DotsTo")
	n := -1
	bufsOf := func(vs []optim.Vector) []*gpu.Buffer {
		bufs := make([]*gpu.Buffer, len(vs))
		for j, x := range vs {
			v := vec(x, "DotsTo")
			if n >= 0 {
				sameLen("DotsTo", n, v.n)
			}
			n, bufs[j] = v.n, v.buf
		}
		return bufs
	}
	abufs, bbufs := bufsOf(as), bufsOf(bs)
	if at < 0 || at+len(as)*len(bs) > d.n {
		panic(fmt.Sprintf("vkoptim: DotsTo: %d products from %d in a vector of %d", len(as)*len(bs), at, d.n))
	}
	if len(as)*len(bs) == 0 {
		return
	}
	sp.fail("DotsTo", sp.st.Batch().DotsTo(d.buf, at, abufs, bbufs, n))
}

// Combine records dst = Σ c[j]·xs[j] with float32 coefficients, in a few
// dispatches (see gpu.Batch.Combine).
func (sp *Space) Combine(dst optim.Vector, c []float64, xs []optim.Vector) {
	defer sp.st.Batch().WithLabel("optimiser")()
	d := vec(dst, "Combine")
	if len(c) != len(xs) || len(xs) == 0 {
		panic(fmt.Sprintf("vkoptim: Combine: %d coefficients for %d vectors", len(c), len(xs)))
	}
	bufs, cs := make([]*gpu.Buffer, len(xs)), make([]float32, len(xs))
	for j, x := range xs {
		v := vec(x, "Combine")
		sameLen("Combine", d.n, v.n)
		if v.buf == d.buf {
			panic("vkoptim: Combine: dst is one of the vectors combined")
		}
		bufs[j], cs[j] = v.buf, float32(c[j])
	}
	sp.fail("Combine", sp.st.Batch().Combine(d.buf, cs, bufs, d.n))
}

// MaxAbs returns max_i |v_i|, exactly: NaN if any element is NaN, 0 for no
// elements. It synchronises the stream.
func (sp *Space) MaxAbs(v optim.Vector) (float64, error) {
	x := vec(v, "MaxAbs")
	return sp.reduce("MaxAbs", func(batch *gpu.Batch, dst *gpu.Buffer) error {
		return batch.MaxAbs(dst, 0, x.buf, x.n)
	})
}

// AbsSum returns Σ |v_i|, accumulated in float32 in a fixed order. It
// synchronises the stream.
func (sp *Space) AbsSum(v optim.Vector) (float64, error) {
	x := vec(v, "AbsSum")
	return sp.reduce("AbsSum", func(batch *gpu.Batch, dst *gpu.Buffer) error {
		return batch.AbsSum(dst, 0, x.buf, x.n)
	})
}

// reduce records a reduction into the scalar buffer, synchronises and reads
// the scalar back.
func (sp *Space) reduce(op string, record func(*gpu.Batch, *gpu.Buffer) error) (float64, error) {
	defer sp.st.Batch().WithLabel("optimiser")()
	if sp.closed {
		return 0, fmt.Errorf("vkoptim: %s: the space is closed", op)
	}
	if sp.scalar == nil {
		buf, err := sp.dev.NewBuffer("vkoptim scalar", 4)
		if err != nil {
			return 0, fmt.Errorf("vkoptim: %s: %w", op, err)
		}
		sp.scalar = buf
	}
	sp.fail(op, record(sp.st.Batch(), sp.scalar))
	if err := sp.sync(); err != nil {
		return 0, fmt.Errorf("vkoptim: %s: %w", op, err)
	}
	var r [1]float32
	if err := sp.scalar.ReadFloat32(0, r[:]); err != nil {
		return 0, fmt.Errorf("vkoptim: %s: %w", op, err)
	}
	return float64(r[0]), nil
}

// Read synchronises the stream and copies v to dst, converting exactly to
// float64.
func (sp *Space) Read(v optim.Vector, dst []float64) error {
	x := vec(v, "Read")
	sameLen("Read", len(dst), x.n)
	if err := sp.sync(); err != nil {
		return fmt.Errorf("vkoptim: Read: %w", err)
	}
	h := sp.scratch(x.n)
	if err := x.buf.ReadFloat32(0, h); err != nil {
		return fmt.Errorf("vkoptim: Read: %w", err)
	}
	for i, f := range h {
		dst[i] = float64(f)
	}
	return nil
}

// Write rounds src to float32 (to nearest even) and copies it into v in
// stream order: the data goes to a scratch buffer now, and a copy into v is
// recorded, so Write does not synchronise. The scratch buffer lives until
// the stream's next synchronisation. Write returns a recording error that
// the stream holds (which its next Sync returns as well).
func (sp *Space) Write(v optim.Vector, src []float64) error {
	x := vec(v, "Write")
	sameLen("Write", len(src), x.n)
	if err := sp.st.Err(); err != nil {
		return fmt.Errorf("vkoptim: Write: %w", err)
	}
	if x.n == 0 {
		return nil
	}
	h := sp.scratch(x.n)
	for i, f := range src {
		h[i] = float32(f)
	}
	batch := sp.st.Batch()
	size := uint64(x.n) * 4
	tmp, err := batch.Temp("vkoptim write", size)
	if err != nil {
		return fmt.Errorf("vkoptim: Write: %w", err)
	}
	if err := tmp.WriteFloat32(0, h); err != nil {
		return fmt.Errorf("vkoptim: Write: %w", err)
	}
	if err := batch.Copy(x.buf.Range(0, size), tmp.All()); err != nil {
		return fmt.Errorf("vkoptim: Write: %w", err)
	}
	return nil
}

// scratch returns the host scratch slice resized to n.
func (sp *Space) scratch(n int) []float32 {
	if cap(sp.host) < n {
		sp.host = make([]float32, n)
	}
	return sp.host[:n]
}

// Close synchronises the stream (recorded work may use the Space's
// buffers), then closes every vector the Space allocated and has not freed,
// the freed ones and its scratch buffer. It returns the synchronisation's
// error; the buffers are closed regardless. A second call does nothing.
func (sp *Space) Close() error {
	if sp.closed {
		return nil
	}
	sp.closed = true
	err := sp.sync()
	for v := range sp.live {
		v.buf.Close()
		v.buf, v.freed = nil, true
	}
	clear(sp.live)
	if sp.scalar != nil {
		sp.scalar.Close()
		sp.scalar = nil
	}
	sp.host = nil
	if err != nil {
		return fmt.Errorf("vkoptim: Close: %w", err)
	}
	return nil
}
