package optim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// The state format is documented in doc.go ("Saved state").
const (
	stateMagic   = "VKSOPTIM"
	stateVersion = 1
	kindAdam     = 1
	kindLBFGS    = 2
)

// MarshalBinary returns the state of a (see the format above), including x.
func (a *Adam) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	if _, err := a.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// UnmarshalBinary restores a state written by MarshalBinary or WriteTo,
// writing the saved iterate into x.
func (a *Adam) UnmarshalBinary(data []byte) error {
	_, err := a.ReadFrom(bytes.NewReader(data))
	return err
}

// WriteTo writes the state of a to w; see MarshalBinary.
func (a *Adam) WriteTo(w io.Writer) (int64, error) {
	if err := a.usableForState(); err != nil {
		return 0, err
	}
	e := newEncoder(w, a.s, kindAdam)
	e.int(a.x.Len())
	e.int(a.step)
	e.vec(a.x)
	e.vec(a.m)
	e.vec(a.v)
	e.vecIf(a.prevValid, a.xPrev)
	return e.finish()
}

// ReadFrom restores a state from r; see UnmarshalBinary. On error a is
// unchanged. It buffers its reads, so it may consume bytes of r beyond the
// state.
func (a *Adam) ReadFrom(r io.Reader) (int64, error) {
	if a.closed {
		return 0, ErrClosed
	}
	n := a.x.Len()
	d := newDecoder(r, a.s, kindAdam)
	d.expectLen(n)
	step := d.int()
	x := d.host(n, true, true)
	m := d.vec(n, true)
	v := d.vec(n, true)
	xPrev := d.vec(n, false)
	prevValid := xPrev != nil
	if d.err == nil && xPrev == nil {
		xPrev = d.alloc(n)
	}
	if err := d.finish(); err != nil {
		return d.count, err
	}
	if err := a.s.Write(a.x, x); err != nil {
		d.freeAll()
		return d.count, fmt.Errorf("optim: Adam: restoring x: %w", err)
	}
	for _, p := range []*Vector{&a.m, &a.v, &a.xPrev} {
		a.s.Free(*p)
	}
	a.step, a.m, a.v, a.xPrev = step, m, v, xPrev
	a.prevValid = prevValid
	a.failed = nil
	return d.count, nil
}

func (a *Adam) usableForState() error {
	if a.closed {
		return ErrClosed
	}
	if a.failed != nil {
		return failedError("Adam", a.failed)
	}
	return nil
}

// MarshalBinary returns the state of o (see the format above), including x
// and the history.
func (o *LBFGS) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	if _, err := o.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// UnmarshalBinary restores a state written by MarshalBinary or WriteTo,
// writing the saved iterate into x. The history must not be longer than the
// receiver's History.
func (o *LBFGS) UnmarshalBinary(data []byte) error {
	_, err := o.ReadFrom(bytes.NewReader(data))
	return err
}

// WriteTo writes the state of o to w; see MarshalBinary. It streams the
// history one vector at a time, so a large state need not fit in host
// memory twice.
func (o *LBFGS) WriteTo(w io.Writer) (int64, error) {
	if o.closed {
		return 0, ErrClosed
	}
	if o.failed != nil {
		return 0, failedError("LBFGS", o.failed)
	}
	e := newEncoder(w, o.s, kindLBFGS)
	e.int(o.n)
	e.int(o.funcEvals)
	e.int(o.nIter)
	e.float(o.t)
	e.float(o.hDiag)
	e.bool(o.havePrev)
	e.float(o.prevLoss)
	e.vec(o.x)
	e.vecIf(o.nIter > 0, o.d)
	e.vecIf(o.havePrev, o.prevG)
	e.vecIf(o.backupValid, o.x0)
	e.int(len(o.dirs))
	for i := range o.dirs {
		e.float(o.ro[i])
		e.vec(o.dirs[i])
		e.vec(o.stps[i])
	}
	return e.finish()
}

// ReadFrom restores a state from r; see UnmarshalBinary. On error o is
// unchanged. It buffers its reads, so it may consume bytes of r beyond the
// state.
func (o *LBFGS) ReadFrom(r io.Reader) (int64, error) {
	if o.closed {
		return 0, ErrClosed
	}
	n := o.n
	dec := newDecoder(r, o.s, kindLBFGS)
	dec.expectLen(n)
	funcEvals, nIter := dec.int(), dec.int()
	t, hDiag := dec.float(), dec.float()
	havePrev := dec.bool()
	prevLoss := dec.float()
	x := dec.host(n, true, true)
	d := dec.vec(n, false)
	prevG := dec.vec(n, false)
	x0 := dec.vec(n, false)
	backupValid := x0 != nil
	k := dec.int()
	if dec.err == nil && (k < 0 || k > o.cfg.History) {
		dec.err = fmt.Errorf("optim: LBFGS: saved history has %d pairs, History is %d", k, o.cfg.History)
	}
	var dirs, stps []Vector
	var ro []float64
	for i := 0; i < k && dec.err == nil; i++ {
		ro = append(ro, dec.float())
		dirs = append(dirs, dec.vec(n, true))
		stps = append(stps, dec.vec(n, true))
	}
	if dec.err == nil && ((nIter > 0) != (d != nil) || havePrev != (prevG != nil)) {
		dec.err = errors.New("optim: reading state: inconsistent L-BFGS state")
	}
	// Absent vectors still get a buffer.
	for _, p := range []*Vector{&d, &prevG, &x0} {
		if *p == nil && dec.err == nil {
			*p = dec.alloc(n)
		}
	}
	if err := dec.finish(); err != nil {
		return dec.count, err
	}
	if err := o.s.Write(o.x, x); err != nil {
		dec.freeAll()
		return dec.count, fmt.Errorf("optim: LBFGS: restoring x: %w", err)
	}
	// Keep the gradient buffer; replace everything else.
	g := o.g
	o.g = nil
	o.freeState()
	o.g = g
	o.d, o.prevG, o.x0 = d, prevG, x0
	o.funcEvals, o.nIter, o.t, o.hDiag = funcEvals, nIter, t, hDiag
	o.havePrev, o.prevLoss, o.backupValid = havePrev, prevLoss, backupValid
	o.dirs, o.stps, o.ro = dirs, stps, ro
	o.gram.clear()
	o.gram.stale = true // its products are taken again at the next update
	o.failed, o.sc.err = nil, nil
	return dec.count, nil
}
