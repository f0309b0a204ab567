package vgg

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// A restricted pickle virtual machine, enough for what torch.save writes:
// the binary opcodes of pickle protocols 2 to 5 (torch uses 2 by
// default, from Python 2 or 3) and the few text opcodes that carry plain
// data (INT, LONG, GET, PUT, PERSID). It follows CPython's Lib/pickle.py
// opcode for opcode, but:
//
//   - GLOBAL and STACK_GLOBAL go through findClass, the caller's
//     whitelist; there is no other way to name a callable, so a pickle
//     that asks for os.system gets an error, not a call.
//   - Persistent ids (torch's storages) go to persistentLoad, which
//     records them; no storage data is read here.
//   - Values are plain Go: string, int, *big.Int, float64, bool, nil,
//     pyTuple, *pyList, *pyDict. Lengths and depths are bounded, so a
//     malformed or hostile file gives an error, never a huge allocation
//     or a panic.
//
// github.com/nlpodyssey/gopickle does the same job, but its types
// package needs golang.org/x/text, which go.mod does not list.

// pyTuple is a Python tuple.
type pyTuple []any

// pyList is a Python list (mutable, hence a pointer).
type pyList struct{ items []any }

// pyDict is a Python dict or collections.OrderedDict, in insertion order.
type pyDict struct {
	keys, vals []any
}

// set sets d[k] = v, replacing an equal key of a comparable kind.
func (d *pyDict) set(k, v any) {
	switch k.(type) {
	case string, int, bool, float64, nil:
		for i, old := range d.keys {
			if old == k {
				d.vals[i] = v
				return
			}
		}
	}
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
}

// get returns d[k] for a string key.
func (d *pyDict) get(k string) (any, bool) {
	for i, old := range d.keys {
		if s, ok := old.(string); ok && s == k {
			return d.vals[i], true
		}
	}
	return nil, false
}

// pyCallable is a whitelisted callable: a class or function that REDUCE
// may call.
type pyCallable interface {
	call(args pyTuple) (any, error)
}

// orderedDictClass is collections.OrderedDict: called with no arguments
// (Python 3, items follow by SETITEMS) or with a list of [key, value]
// pairs (Python 2's OrderedDict.__reduce__).
type orderedDictClass struct{}

func (orderedDictClass) call(args pyTuple) (any, error) {
	d := &pyDict{}
	if len(args) == 0 {
		return d, nil
	}
	items, ok := args[0].(*pyList)
	if len(args) != 1 || !ok {
		return nil, fmt.Errorf("OrderedDict(%d arguments), want none or a list of pairs", len(args))
	}
	for _, it := range items.items {
		var kv []any
		switch p := it.(type) {
		case pyTuple:
			kv = p
		case *pyList:
			kv = p.items
		}
		if len(kv) != 2 {
			return nil, errors.New("OrderedDict item is not a [key, value] pair")
		}
		d.set(kv[0], kv[1])
	}
	return d, nil
}

// Limits of the unpickler.
const (
	maxPickleString = 1 << 24 // bytes of one string or bytes object
	maxPickleStack  = 1 << 20 // values on the stack, in the memo, in a container
	maxPickleMarks  = 1 << 10 // nesting depth
)

// unpickler runs one pickle.
type unpickler struct {
	r              *bufio.Reader
	stack          []any
	marks          []int
	memo           map[int]any
	findClass      func(module, name string) (any, error)
	persistentLoad func(pid any) (any, error)
}

// unpickle reads one pickle from r, which it reads no further than the
// STOP opcode (r is a bufio.Reader so the caller can tell where that
// was). findClass resolves GLOBAL and STACK_GLOBAL; persistentLoad, which
// may be nil, resolves persistent ids.
func unpickle(r *bufio.Reader, findClass func(module, name string) (any, error), persistentLoad func(any) (any, error)) (any, error) {
	u := &unpickler{r: r, memo: map[int]any{}, findClass: findClass, persistentLoad: persistentLoad}
	for {
		op, err := r.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("pickle ends before STOP: %w", noEOF(err))
		}
		done, v, err := u.step(op)
		if err != nil {
			return nil, err
		}
		if done {
			return v, nil
		}
		if len(u.stack) > maxPickleStack || len(u.memo) > maxPickleStack {
			return nil, errors.New("pickle too large")
		}
	}
}

func (u *unpickler) push(v any) { u.stack = append(u.stack, v) }

func (u *unpickler) pop() (any, error) {
	n := len(u.stack)
	base := 0
	if len(u.marks) > 0 {
		base = u.marks[len(u.marks)-1]
	}
	if n <= base {
		return nil, errors.New("malformed pickle: stack underflow")
	}
	v := u.stack[n-1]
	u.stack = u.stack[:n-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	v, err := u.pop()
	if err == nil {
		u.push(v)
	}
	return v, err
}

// popMark returns the values above the topmost mark and removes them and
// the mark.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, errors.New("malformed pickle: no MARK")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

func (u *unpickler) read(n int64) ([]byte, error) {
	if n < 0 || n > maxPickleString {
		return nil, fmt.Errorf("pickle string of %d bytes", n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(u.r, buf); err != nil {
		return nil, fmt.Errorf("pickle ends inside a value: %w", noEOF(err))
	}
	return buf, nil
}

func (u *unpickler) uint(n int) (uint64, error) {
	b, err := u.read(int64(n))
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, nil
}

func (u *unpickler) line() (string, error) {
	s, err := u.r.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("pickle ends inside a line: %w", noEOF(err))
	}
	if len(s) > maxPickleString {
		return "", errors.New("pickle line too long")
	}
	return strings.TrimSuffix(s, "\n"), nil
}

// step runs one opcode; done reports STOP with the result v.
func (u *unpickler) step(op byte) (done bool, v any, err error) {
	switch op {
	case 0x80: // PROTO
		p, err := u.uint(1)
		if err == nil && p > 5 {
			err = fmt.Errorf("pickle protocol %d, want ≤ 5", p)
		}
		return false, nil, err
	case 0x95: // FRAME: the frame's opcodes follow inline
		_, err := u.uint(8)
		return false, nil, err
	case '.': // STOP
		v, err := u.pop()
		return err == nil, v, err
	case '(': // MARK
		if len(u.marks) >= maxPickleMarks {
			return false, nil, errors.New("pickle nested too deeply")
		}
		u.marks = append(u.marks, len(u.stack))
	case '0': // POP
		if len(u.marks) > 0 && u.marks[len(u.marks)-1] == len(u.stack) {
			u.marks = u.marks[:len(u.marks)-1]
			return false, nil, nil
		}
		_, err = u.pop()
	case '1': // POP_MARK
		_, err = u.popMark()
	case '2': // DUP
		v, err = u.top()
		u.push(v)
	case 'N':
		u.push(nil)
	case 0x88:
		u.push(true)
	case 0x89:
		u.push(false)
	case 'K', 'M': // BININT1, BININT2
		n := 1
		if op == 'M' {
			n = 2
		}
		var x uint64
		x, err = u.uint(n)
		u.push(int(x))
	case 'J': // BININT
		var x uint64
		x, err = u.uint(4)
		u.push(int(int32(uint32(x))))
	case 0x8a, 0x8b: // LONG1, LONG4
		n := uint64(1)
		if op == 0x8b {
			n = 4
		}
		var size uint64
		if size, err = u.uint(int(n)); err != nil {
			return
		}
		var b []byte
		if b, err = u.read(int64(size)); err != nil {
			return
		}
		u.push(decodeLong(b))
	case 'I', 'L': // INT, LONG (text)
		var s string
		if s, err = u.line(); err != nil {
			return
		}
		switch s {
		case "00":
			u.push(false)
		case "01":
			u.push(true)
		default:
			bi, ok := new(big.Int).SetString(strings.TrimSuffix(s, "L"), 10)
			if !ok {
				return false, nil, fmt.Errorf("pickle INT %q", s)
			}
			u.push(smallInt(bi))
		}
	case 'G': // BINFLOAT
		var x uint64
		var b []byte
		if b, err = u.read(8); err == nil {
			x = binary.BigEndian.Uint64(b)
			u.push(math.Float64frombits(x))
		}
	case 'X', 0x8c, 0x8d, 'T', 'U', 'B', 'C', 0x8e: // strings and bytes
		n := map[byte]int{'X': 4, 0x8c: 1, 0x8d: 8, 'T': 4, 'U': 1, 'B': 4, 'C': 1, 0x8e: 8}[op]
		var size uint64
		if size, err = u.uint(n); err != nil {
			return
		}
		var b []byte
		if b, err = u.read(int64(size)); err == nil {
			u.push(string(b))
		}
	case ')':
		u.push(pyTuple{})
	case 't':
		var items []any
		items, err = u.popMark()
		u.push(pyTuple(items))
	case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
		n := int(op - 0x84)
		t := make(pyTuple, n)
		for i := n - 1; i >= 0 && err == nil; i-- {
			t[i], err = u.pop()
		}
		u.push(t)
	case ']':
		u.push(&pyList{})
	case 'l': // LIST
		var items []any
		items, err = u.popMark()
		u.push(&pyList{items: items})
	case '}':
		u.push(&pyDict{})
	case 'd': // DICT
		var items []any
		if items, err = u.popMark(); err != nil {
			return
		}
		d := &pyDict{}
		err = setItems(d, items)
		u.push(d)
	case 'a', 'e': // APPEND, APPENDS
		var items []any
		if op == 'a' {
			var x any
			x, err = u.pop()
			items = []any{x}
		} else {
			items, err = u.popMark()
		}
		if err != nil {
			return
		}
		var l any
		if l, err = u.top(); err != nil {
			return
		}
		list, ok := l.(*pyList)
		if !ok {
			return false, nil, fmt.Errorf("pickle appends to a %s", typeName(l))
		}
		if len(list.items)+len(items) > maxPickleStack {
			return false, nil, errors.New("pickle list too long")
		}
		list.items = append(list.items, items...)
	case 's', 'u': // SETITEM, SETITEMS
		var items []any
		if op == 's' {
			var k, x any
			if x, err = u.pop(); err == nil {
				k, err = u.pop()
			}
			items = []any{k, x}
		} else {
			items, err = u.popMark()
		}
		if err != nil {
			return
		}
		var d any
		if d, err = u.top(); err != nil {
			return
		}
		dict, ok := d.(*pyDict)
		if !ok {
			return false, nil, fmt.Errorf("pickle sets items of a %s", typeName(d))
		}
		err = setItems(dict, items)
	case 'q', 'r', 0x94, 'p': // BINPUT, LONG_BINPUT, MEMOIZE, PUT
		var idx int
		switch op {
		case 'q', 'r':
			n := 1
			if op == 'r' {
				n = 4
			}
			var x uint64
			x, err = u.uint(n)
			idx = int(x)
		case 0x94:
			idx = len(u.memo)
		case 'p':
			var s string
			if s, err = u.line(); err == nil {
				idx, err = strconv.Atoi(s)
			}
		}
		if err != nil {
			return
		}
		var x any
		if x, err = u.top(); err == nil {
			u.memo[idx] = x
		}
	case 'h', 'j', 'g': // BINGET, LONG_BINGET, GET
		var idx int
		switch op {
		case 'h', 'j':
			n := 1
			if op == 'j' {
				n = 4
			}
			var x uint64
			x, err = u.uint(n)
			idx = int(x)
		case 'g':
			var s string
			if s, err = u.line(); err == nil {
				idx, err = strconv.Atoi(s)
			}
		}
		if err != nil {
			return
		}
		x, ok := u.memo[idx]
		if !ok {
			return false, nil, fmt.Errorf("pickle memo %d is not set", idx)
		}
		u.push(x)
	case 'c', 0x93: // GLOBAL, STACK_GLOBAL
		var module, name string
		if op == 'c' {
			if module, err = u.line(); err == nil {
				name, err = u.line()
			}
		} else {
			var m, n any
			if n, err = u.pop(); err == nil {
				m, err = u.pop()
			}
			var ok1, ok2 bool
			module, ok1 = m.(string)
			name, ok2 = n.(string)
			if err == nil && (!ok1 || !ok2) {
				err = errors.New("STACK_GLOBAL of non-strings")
			}
		}
		if err != nil {
			return
		}
		var cls any
		if cls, err = u.findClass(module, name); err == nil {
			u.push(cls)
		}
	case 'R': // REDUCE
		var a, f any
		if a, err = u.pop(); err == nil {
			f, err = u.pop()
		}
		if err != nil {
			return
		}
		args, ok := a.(pyTuple)
		fn, ok2 := f.(pyCallable)
		if !ok || !ok2 {
			return false, nil, fmt.Errorf("pickle calls a %s with a %s", typeName(f), typeName(a))
		}
		var x any
		if x, err = fn.call(args); err == nil {
			u.push(x)
		}
	case 'b': // BUILD: a dict's attributes (a state dict's _metadata) are dropped
		if _, err = u.pop(); err != nil {
			return
		}
		var inst any
		if inst, err = u.top(); err == nil {
			if _, ok := inst.(*pyDict); !ok {
				err = fmt.Errorf("pickle sets the state of a %s", typeName(inst))
			}
		}
	case 'Q', 'P': // BINPERSID, PERSID
		var pid any
		if op == 'Q' {
			pid, err = u.pop()
		} else {
			pid, err = u.line()
		}
		if err != nil {
			return
		}
		if u.persistentLoad == nil {
			return false, nil, errors.New("pickle with a persistent id where none is expected")
		}
		var x any
		if x, err = u.persistentLoad(pid); err == nil {
			u.push(x)
		}
	default:
		return false, nil, fmt.Errorf("unsupported pickle opcode 0x%02x", op)
	}
	return false, nil, err
}

// setItems sets alternating keys and values into d.
func setItems(d *pyDict, items []any) error {
	if len(items)%2 != 0 {
		return errors.New("malformed pickle: odd number of dict items")
	}
	if len(d.keys)+len(items)/2 > maxPickleStack {
		return errors.New("pickle dict too large")
	}
	for i := 0; i < len(items); i += 2 {
		d.set(items[i], items[i+1])
	}
	return nil
}

// decodeLong decodes a little-endian two's-complement integer.
func decodeLong(b []byte) any {
	if len(b) == 0 {
		return 0
	}
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	v := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return smallInt(v)
}

// smallInt returns v as an int if it fits.
func smallInt(v *big.Int) any {
	if v.IsInt64() && v.Int64() >= math.MinInt && v.Int64() <= math.MaxInt {
		return int(v.Int64())
	}
	return v
}

// typeName names a pickle value's Python type, for errors.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "None"
	case string:
		return "str"
	case int, *big.Int:
		return "int"
	case float64:
		return "float"
	case bool:
		return "bool"
	case pyTuple:
		return "tuple"
	case *pyList:
		return "list"
	case *pyDict:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}
