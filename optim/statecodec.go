package optim

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
)

// The encoder and decoder of the saved-state format (doc.go, "Saved
// state") that state.go's MarshalBinary/WriteTo and ReadFrom use.

// encoder writes the state format, computing the CRC as it goes. The first
// error is kept and later writes do nothing.
type encoder struct {
	w     *bufio.Writer
	crc   hash.Hash32
	s     Space
	count int64
	err   error
	buf   []float64
	b     [8]byte
}

func newEncoder(w io.Writer, s Space, kind uint32) *encoder {
	e := &encoder{crc: crc32.NewIEEE(), s: s}
	e.w = bufio.NewWriterSize(w, 1<<16)
	e.bytes([]byte(stateMagic))
	e.u32(stateVersion)
	e.u32(kind)
	return e
}

func (e *encoder) bytes(p []byte) {
	if e.err != nil {
		return
	}
	e.crc.Write(p)
	n, err := e.w.Write(p)
	e.count += int64(n)
	if err != nil {
		e.err = fmt.Errorf("optim: writing state: %w", err)
	}
}

func (e *encoder) u32(v uint32) {
	binary.LittleEndian.PutUint32(e.b[:4], v)
	e.bytes(e.b[:4])
}

func (e *encoder) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.b[:8], v)
	e.bytes(e.b[:8])
}

func (e *encoder) int(v int)       { e.u64(uint64(int64(v))) }
func (e *encoder) float(v float64) { e.u64(math.Float64bits(v)) }

func (e *encoder) bool(v bool) {
	if v {
		e.bytes([]byte{1})
	} else {
		e.bytes([]byte{0})
	}
}

func (e *encoder) vecIf(present bool, v Vector) {
	if !present {
		e.bytes([]byte{0})
		return
	}
	e.vec(v)
}

func (e *encoder) vec(v Vector) {
	if e.err != nil {
		return
	}
	n := v.Len()
	if cap(e.buf) < n {
		e.buf = make([]float64, n)
	}
	h := e.buf[:n]
	if err := e.s.Read(v, h); err != nil {
		e.err = fmt.Errorf("optim: writing state: Read: %w", err)
		return
	}
	single := true
	for _, x := range h {
		if float64(float32(x)) != x {
			single = false
			break
		}
	}
	var p []byte
	if single {
		e.bytes([]byte{4})
		e.u64(uint64(n))
		p = make([]byte, 4*min(n, 1<<14))
		for i := 0; i < n; {
			m := min(n-i, len(p)/4)
			for j := 0; j < m; j++ {
				binary.LittleEndian.PutUint32(p[4*j:], math.Float32bits(float32(h[i+j])))
			}
			e.bytes(p[:4*m])
			i += m
		}
		return
	}
	e.bytes([]byte{8})
	e.u64(uint64(n))
	p = make([]byte, 8*min(n, 1<<13))
	for i := 0; i < n; {
		m := min(n-i, len(p)/8)
		for j := 0; j < m; j++ {
			binary.LittleEndian.PutUint64(p[8*j:], math.Float64bits(h[i+j]))
		}
		e.bytes(p[:8*m])
		i += m
	}
}

func (e *encoder) finish() (int64, error) {
	e.u32(e.crc.Sum32()) // also fed to the hash, which is no longer used
	if e.err == nil {
		if err := e.w.Flush(); err != nil {
			e.err = fmt.Errorf("optim: writing state: %w", err)
		}
	}
	return e.count, e.err
}

// decoder reads the state format into new vectors of s. The first error is
// kept and later reads return zero values; freeAll frees what was allocated.
type decoder struct {
	r     *bufio.Reader
	crc   hash.Hash32
	s     Space
	count int64
	err   error
	vecs  []Vector
	buf   []float64
	b     [8]byte
}

func newDecoder(r io.Reader, s Space, kind uint32) *decoder {
	d := &decoder{r: bufio.NewReaderSize(r, 1<<16), crc: crc32.NewIEEE(), s: s}
	var magic [8]byte
	d.read(magic[:])
	if d.err == nil && string(magic[:]) != stateMagic {
		d.err = fmt.Errorf("optim: reading state: bad magic %q, want %q", magic[:], stateMagic)
		return d
	}
	if v := d.u32(); d.err == nil && v != stateVersion {
		d.err = fmt.Errorf("optim: reading state: version %d, this package reads %d", v, stateVersion)
	}
	if k := d.u32(); d.err == nil && k != kind {
		d.err = fmt.Errorf("optim: reading state: kind %d (%s), want %d (%s)", k, kindName(k), kind, kindName(kind))
	}
	return d
}

func kindName(k uint32) string {
	switch k {
	case kindAdam:
		return "Adam"
	case kindLBFGS:
		return "LBFGS"
	}
	return "unknown"
}

func (d *decoder) read(p []byte) {
	if d.err != nil {
		clear(p)
		return
	}
	n, err := io.ReadFull(d.r, p)
	d.count += int64(n)
	d.crc.Write(p[:n])
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		d.err = fmt.Errorf("optim: reading state: %w", err)
	}
}

func (d *decoder) u32() uint32 {
	d.read(d.b[:4])
	return binary.LittleEndian.Uint32(d.b[:4])
}

func (d *decoder) u64() uint64 {
	d.read(d.b[:8])
	return binary.LittleEndian.Uint64(d.b[:8])
}

func (d *decoder) int() int       { return int(int64(d.u64())) }
func (d *decoder) float() float64 { return math.Float64frombits(d.u64()) }

func (d *decoder) bool() bool {
	d.read(d.b[:1])
	return d.b[0] != 0
}

func (d *decoder) expectLen(n int) {
	if m := d.int(); d.err == nil && m != n {
		d.err = fmt.Errorf("optim: reading state: saved length %d, optimiser length %d", m, n)
	}
}

// host reads a vector of length n into host memory; it returns nil if the
// vector is absent (an error if required). The result is a new slice if keep
// is set, else the decoder's buffer, valid until the next call.
func (d *decoder) host(n int, required, keep bool) []float64 {
	d.read(d.b[:1])
	enc := d.b[0]
	if d.err != nil {
		return nil
	}
	if enc == 0 {
		if required {
			d.err = errors.New("optim: reading state: a required vector is absent")
		}
		return nil
	}
	if enc != 4 && enc != 8 {
		d.err = fmt.Errorf("optim: reading state: bad vector encoding %d", enc)
		return nil
	}
	if m := d.u64(); d.err == nil && m != uint64(n) {
		d.err = fmt.Errorf("optim: reading state: vector of length %d, want %d", m, n)
		return nil
	}
	var h []float64
	if keep {
		h = make([]float64, n)
	} else {
		if cap(d.buf) < n {
			d.buf = make([]float64, n)
		}
		h = d.buf[:n]
	}
	size := int(enc)
	p := make([]byte, size*min(n, 1<<13))
	for i := 0; i < n && d.err == nil; {
		m := min(n-i, len(p)/size)
		d.read(p[:size*m])
		for j := 0; j < m; j++ {
			if size == 4 {
				h[i+j] = float64(math.Float32frombits(binary.LittleEndian.Uint32(p[4*j:])))
			} else {
				h[i+j] = math.Float64frombits(binary.LittleEndian.Uint64(p[8*j:]))
			}
		}
		i += m
	}
	return h
}

// vec reads a vector of length n into a new vector of the Space; it returns
// nil if the vector is absent (an error if required).
func (d *decoder) vec(n int, required bool) Vector {
	h := d.host(n, required, false)
	if h == nil || d.err != nil {
		return nil
	}
	v := d.alloc(n)
	if v == nil {
		return nil
	}
	if err := d.s.Write(v, h); err != nil {
		d.err = fmt.Errorf("optim: reading state: Write: %w", err)
		return nil
	}
	return v
}

// alloc returns a new zero vector of the Space, freed by freeAll.
func (d *decoder) alloc(n int) Vector {
	v, err := d.s.New(n)
	if err != nil {
		d.err = fmt.Errorf("optim: reading state: %w", err)
		return nil
	}
	d.vecs = append(d.vecs, v)
	return v
}

// finish checks the CRC; on any error it frees the vectors read.
func (d *decoder) finish() error {
	sum := d.crc.Sum32()
	if got := d.u32(); d.err == nil && got != sum {
		d.err = fmt.Errorf("optim: reading state: CRC mismatch (stored %08x, computed %08x)", got, sum)
	}
	if d.err != nil {
		d.freeAll()
	}
	return d.err
}

func (d *decoder) freeAll() {
	for _, v := range d.vecs {
		d.s.Free(v)
	}
	d.vecs = nil
}
