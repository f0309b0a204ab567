package vgg

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// The pickles of .pth files are run by github.com/nlpodyssey/gopickle's
// pickle.Unpickler (not its pytorch.Load, which reads every storage as
// it meets it), with two hooks:
//
//   - FindClass is the tensor whitelist (findClass below): the names
//     torch.save writes for a state dict resolve to this file's own
//     callables, which build descriptors (pthTensor) and read no data;
//     any other name (os.system, builtins.eval, _codecs.encode) is an
//     error before anything is called.
//   - PersistentLoad (storageLoader) records each storage's key, dtype,
//     element count and location, and returns a descriptor (pthStorage);
//     the bytes are located after the pickle and read only for the
//     tensors a run asks for.
//
// What gopickle does not do, and how it is handled:
//
//   - It resolves a few names before calling FindClass: collections.
//     OrderedDict, builtins.list and builtins.dict, __builtin__.object,
//     copy_reg._reconstructor and array._array_reconstructor. They build
//     plain data (gopickle's types), never run code, and are left to it.
//   - Its OrderedDict takes no constructor arguments, but Python 2's
//     OrderedDict.__reduce__ pickles OrderedDict([[key, value], …]), as
//     PyTorch 0.1–0.3 files written with Python 2 have it. pickleReader
//     renames that GLOBAL so it reaches findClass, which gives
//     orderedDictClass, accepting both forms.
//   - It has no size caps, and allocates a string or frame of its
//     declared length before reading it. The pickle's input is capped at
//     maxPickleBytes (checked against the zip entry's size, or by a
//     limited reader for the legacy format), which bounds the values it
//     builds; pickleReader refuses a declared length longer than what is
//     left of that input before gopickle allocates it, frames included.
//   - It panics on some malformed input (an empty LONG1, a bytes key in
//     a dict); unpickle recovers, and gives one-line errors.

// maxPickleBytes caps the pickle of a .pth: 1 MiB is some 10,000
// tensors, where a VGG19 state dict needs under 4 KB. gopickle allocates
// up to some 400 bytes per byte of pickle (a run of MARKs), so a hostile
// pickle costs at most about 400 MB.
const maxPickleBytes = 1 << 20

// pthStorage is a storage of a .pth file, from its persistent id: where
// its bytes are is filled in after the pickle is read.
type pthStorage struct {
	key      string
	dtype    dtype
	numel    int64
	location string      // "cpu", "cuda:0": where torch kept it; unused
	r        io.ReaderAt // nil until located
	off      int64       // offset of element 0 in r
	avail    int64       // bytes of the storage present in the file
}

// pthTensor is a tensor of a .pth file: a strided view of a storage.
type pthTensor struct {
	st     *pthStorage
	offset int64
	shape  []int64
	stride []int64
}

// storageClass is a whitelisted torch.*Storage class: not callable, only
// a persistent id's dtype tag.
type storageClass struct{ dtype dtype }

// storageDTypes maps torch's storage class names to dtypes.
var storageDTypes = map[string]dtype{
	"FloatStorage": "F32", "HalfStorage": "F16", "BFloat16Storage": "BF16", "DoubleStorage": "F64",
	"LongStorage": "I64", "IntStorage": "I32", "ShortStorage": "I16", "CharStorage": "I8",
	"ByteStorage": "U8", "BoolStorage": "BOOL",
}

// py2Alias is the name pickleReader gives the GLOBAL
// collections.OrderedDict (py2Global): as long, so counts stay right.
const (
	py2Global = "collections\nOrderedDict\n"
	py2Alias  = "vkstyle_py2\nOrderedDict\n"
)

// findClass is the tensor whitelist: the only names a pickle may use
// beyond gopickle's own data types. Nothing here runs code from the
// file.
func findClass(module, name string) (any, error) {
	switch module + "." + name {
	case "collections.OrderedDict", "vkstyle_py2.OrderedDict": // gopickle v0.3.0 keeps the first
		return orderedDictClass{}, nil
	case "torch._utils._rebuild_tensor":
		return rebuildTensor{}, nil
	case "torch._utils._rebuild_tensor_v2":
		return rebuildTensor{v2: true}, nil
	case "torch._utils._rebuild_parameter":
		return rebuildParameter{}, nil
	}
	if module == "torch" {
		if d, ok := storageDTypes[name]; ok {
			return storageClass{d}, nil
		}
	}
	return nil, &refusedError{module: module, name: name}
}

// refusedError is findClass's error for a name off the whitelist.
type refusedError struct{ module, name string }

func (e *refusedError) Error() string {
	return fmt.Sprintf("the pickle asks for %s, which is not a tensor: refusing to run it", clip(e.module+"."+e.name, 120))
}

// hookError is an error of this file's callables and persistent loader,
// passed on by unpickle as it is.
type hookError struct{ msg string }

func (e *hookError) Error() string { return e.msg }

func hookErrorf(format string, args ...any) error {
	return &hookError{clip(fmt.Sprintf(format, args...), 300)}
}

// orderedDictClass is collections.OrderedDict: called with no arguments
// (Python 3, items follow by SETITEMS) or with a list of [key, value]
// pairs (Python 2's OrderedDict.__reduce__). It builds gopickle's
// OrderedDict either way.
type orderedDictClass struct{}

func (orderedDictClass) Call(args ...any) (any, error) {
	d := types.NewOrderedDict()
	if len(args) == 0 {
		return d, nil
	}
	items, ok := args[0].(*types.List)
	if len(args) != 1 || !ok {
		return nil, hookErrorf("OrderedDict(%d arguments), want none or a list of pairs", len(args))
	}
	for _, it := range *items {
		kv, ok := sequence(it)
		if !ok || len(kv) != 2 {
			return nil, hookErrorf("OrderedDict item is a %s, not a [key, value] pair", typeName(it))
		}
		if kv[0] != nil && !reflect.TypeOf(kv[0]).Comparable() {
			return nil, hookErrorf("OrderedDict key is a %s", typeName(kv[0]))
		}
		d.Set(kv[0], kv[1])
	}
	return d, nil
}

// rebuildTensor is torch._utils._rebuild_tensor (v1: 4 arguments) or
// _rebuild_tensor_v2 (6 or 7: requires_grad, backward_hooks, metadata).
type rebuildTensor struct{ v2 bool }

func (r rebuildTensor) Call(args ...any) (any, error) {
	name, min := "_rebuild_tensor", 4
	if r.v2 {
		name, min = "_rebuild_tensor_v2", 6
	}
	if len(args) < min {
		return nil, hookErrorf("%s with %d arguments, want %d", name, len(args), min)
	}
	st, ok := args[0].(*pthStorage)
	if !ok {
		return nil, hookErrorf("%s of a %s, want a storage", name, typeName(args[0]))
	}
	off, ok := args[1].(int)
	shape, ok2 := intTuple(args[2])
	stride, ok3 := intTuple(args[3])
	if !ok || !ok2 || !ok3 || off < 0 || len(shape) != len(stride) {
		return nil, hookErrorf("%s: offset %v, size %v, stride %v", name, args[1], args[2], args[3])
	}
	for i := range shape {
		if shape[i] < 0 || stride[i] < 0 {
			return nil, hookErrorf("%s: size %v, stride %v", name, shape, stride)
		}
	}
	return &pthTensor{st: st, offset: int64(off), shape: shape, stride: stride}, nil
}

// rebuildParameter is torch._utils._rebuild_parameter(data,
// requires_grad, backward_hooks): a state dict saved with keep_vars.
type rebuildParameter struct{}

func (rebuildParameter) Call(args ...any) (any, error) {
	if len(args) < 1 {
		return nil, hookErrorf("_rebuild_parameter without data")
	}
	if _, ok := args[0].(*pthTensor); !ok {
		return nil, hookErrorf("_rebuild_parameter of a %s", typeName(args[0]))
	}
	return args[0], nil
}

// sequence returns the items of a tuple or list.
func sequence(v any) ([]any, bool) {
	switch t := v.(type) {
	case *types.Tuple:
		return *t, true
	case *types.List:
		return *t, true
	}
	return nil, false
}

func intTuple(v any) ([]int64, bool) {
	items, ok := sequence(v)
	if !ok {
		return nil, false
	}
	out := make([]int64, len(items))
	for i, it := range items {
		n, ok := it.(int)
		if !ok {
			return nil, false
		}
		out[i] = int64(n)
	}
	return out, true
}

// storageLoader returns the PersistentLoad hook of a .pth pickle: it
// records storages in storages (by key) and returns their descriptors,
// reading nothing. legacy selects the 6-field persistent id of the
// legacy format.
func storageLoader(storages map[string]*pthStorage, legacy bool) func(any) (any, error) {
	return func(pid any) (any, error) {
		t, ok := pid.(*types.Tuple)
		if !ok || t.Len() < 5 {
			return nil, hookErrorf("persistent id %s, want ('storage', type, key, location, numel)", typeName(pid))
		}
		if s, _ := t.Get(0).(string); s != "storage" {
			return nil, hookErrorf("persistent id of type %v, want 'storage'", t.Get(0))
		}
		cls, ok1 := t.Get(1).(storageClass)
		key, ok2 := t.Get(2).(string)
		numel, ok3 := t.Get(4).(int)
		if !ok1 || !ok2 || !ok3 || numel < 0 {
			return nil, hookErrorf("persistent id %v: want ('storage', torch.*Storage, key, location, numel)", t)
		}
		location, _ := t.Get(3).(string)
		if legacy && t.Len() > 5 && t.Get(5) != nil {
			return nil, hookErrorf("storage %s is a view of another storage, which is not supported", key)
		}
		if st, ok := storages[key]; ok {
			if st.dtype != cls.dtype {
				return nil, hookErrorf("storage %s used as %v and %v", key, st.dtype, cls.dtype)
			}
			st.numel = max(st.numel, int64(numel))
			return st, nil
		}
		st := &pthStorage{key: key, dtype: cls.dtype, numel: int64(numel), location: location}
		storages[key] = st
		return st, nil
	}
}

// unpickle runs one pickle from r with gopickle's Unpickler, the
// whitelist and persistentLoad (nil where the pickle should have no
// persistent ids). left bounds the bytes the pickle can have: what is
// left of the zip entry or of the capped file. unpickle reads r no
// further than the STOP opcode, so the caller can tell where the pickle
// ended. Errors are one line: a refusedError or hookError as it is,
// anything else as "malformed pickle" or "pickle ends before STOP".
func unpickle(r *bufio.Reader, left int64, persistentLoad func(any) (any, error)) (v any, err error) {
	u := pickle.NewUnpickler(&pickleReader{r: r, left: left})
	u.FindClass = findClass
	u.PersistentLoad = persistentLoad
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, fmt.Errorf("malformed pickle (%s)", clip(fmt.Sprint(p), 120))
		}
	}()
	v, err = u.Load()
	var refused *refusedError
	var hook *hookError
	switch {
	case err == nil:
		return v, nil
	case errors.As(err, &refused), errors.As(err, &hook):
		return nil, err
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return nil, errors.New("pickle ends before STOP: truncated file?")
	}
	return nil, fmt.Errorf("malformed pickle (%s)", clip(err.Error(), 200))
}

// countedOps are the opcodes followed by a byte count (of 4 or 8
// bytes, little-endian) that gopickle allocates before reading: BINSTRING,
// BINBYTES, BINUNICODE, LONG4, BINUNICODE8, BINBYTES8, BYTEARRAY8, FRAME.
var countedOps = map[byte]int{'T': 4, 'B': 4, 'X': 4, 0x8b: 4, 0x8d: 8, 0x8e: 8, 0x96: 8, 0x95: 8}

// opFrame is protocol 4's FRAME opcode.
const opFrame = 0x95

// pickleReader is the reader gopickle runs a pickle from. It does what
// gopickle does not, without parsing the pickle itself:
//
//   - It renames the GLOBAL collections.OrderedDict (a 'c' followed by
//     py2Global) to py2Alias, so that findClass, not gopickle's
//     argument-less OrderedDict, builds it.
//   - It caps byte counts. gopickle reads an opcode with ReadByte (or,
//     just after a frame, with a Read of one byte), then a counted
//     value's length with one Read of 4 or 8 bytes, then allocates that
//     many bytes: a count larger than what is left of the pickle is an
//     error here, so a corrupt length costs no allocation.
//   - It gives gopickle every FRAME (protocol 4–5) as empty, so that
//     gopickle reads the frame's opcodes from this reader, capped, rather
//     than from a copy of the frame. Frames are only a hint to buffer.
//
// Only an opcode byte is ever directly followed by a Read of 4 or 8
// bytes (argument bytes are not, and lines end in '\n'), so the bytes of
// strings and storages pass unchanged.
type pickleReader struct {
	r       *bufio.Reader
	left    int64  // an upper bound on the bytes of the pickle not yet read
	last    byte   // the last byte given one at a time
	fresh   bool   // no longer Read since that byte
	pending []byte // the rest of a renamed GLOBAL
}

// next gives the next byte, which gopickle may read as an opcode.
func (p *pickleReader) next() (byte, error) {
	var b byte
	if len(p.pending) > 0 {
		b, p.pending = p.pending[0], p.pending[1:]
	} else {
		var err error
		if b, err = p.r.ReadByte(); err != nil {
			return 0, err
		}
		if b == 'c' {
			if next, _ := p.r.Peek(len(py2Global)); string(next) == py2Global {
				p.r.Discard(len(py2Global))
				p.pending = []byte(py2Alias)
			}
		}
	}
	p.last, p.fresh = b, true
	p.left--
	return b, nil
}

func (p *pickleReader) ReadByte() (byte, error) { return p.next() }

func (p *pickleReader) Read(b []byte) (int, error) {
	if len(b) == 1 {
		c, err := p.next()
		if err != nil {
			return 0, err
		}
		b[0] = c
		return 1, nil
	}
	fresh := p.fresh
	p.fresh = false
	if len(p.pending) > 0 {
		n := copy(b, p.pending)
		p.pending = p.pending[n:]
		p.left -= int64(n)
		return n, nil
	}
	size := countedOps[p.last]
	if !fresh || size == 0 || len(b) != size {
		n, err := p.r.Read(b)
		p.left -= int64(n)
		return n, err
	}
	n, err := io.ReadFull(p.r, b)
	p.left -= int64(n)
	if err != nil {
		return n, err
	}
	var count uint64
	for i := size - 1; i >= 0; i-- {
		count = count<<8 | uint64(b[i])
	}
	if count > uint64(max(p.left, 0)) {
		// No bytes with the error: io.ReadFull would drop it.
		return 0, hookErrorf("pickle ends before its %d-byte value (opcode 0x%02x), %d bytes on: truncated or corrupt file?", count, p.last, p.left)
	}
	if p.last == opFrame {
		clear(b)
	}
	return n, nil
}

// dictItems returns the items of a pickled dict or OrderedDict in
// order; a key set twice in a plain dict keeps its first place and last
// value, as in Python.
func dictItems(v any) (keys, vals []any, ok bool) {
	switch d := v.(type) {
	case *types.OrderedDict:
		for e := d.List.Front(); e != nil; e = e.Next() {
			en := e.Value.(*types.OrderedDictEntry)
			keys = append(keys, en.Key)
			vals = append(vals, en.Value)
		}
		return keys, vals, true
	case *types.Dict:
		seen := map[string]int{}
		for _, en := range *d {
			if s, isStr := en.Key.(string); isStr {
				if i, dup := seen[s]; dup {
					vals[i] = en.Value
					continue
				}
				seen[s] = len(keys)
			}
			keys = append(keys, en.Key)
			vals = append(vals, en.Value)
		}
		return keys, vals, true
	}
	return nil, nil, false
}

// dictGet returns d[key] for a string key of a pickled dict.
func dictGet(d any, key string) (any, bool) {
	keys, vals, _ := dictItems(d)
	for i, k := range keys {
		if s, ok := k.(string); ok && s == key {
			return vals[i], true
		}
	}
	return nil, false
}

// typeName names a pickled value's Python type, for errors.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "None"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case int, *big.Int:
		return "int"
	case float64:
		return "float"
	case bool:
		return "bool"
	case *types.Tuple:
		return "tuple"
	case *types.List:
		return "list"
	case *types.Dict:
		return "dict"
	case *types.OrderedDict:
		return "OrderedDict"
	case *pthTensor:
		return "tensor"
	case *pthStorage:
		return "storage"
	}
	return fmt.Sprintf("%T", v)
}

// clip makes s, which may come from the file, fit in one line of an
// error: control characters escaped, at most n runes.
func clip(s string, n int) string {
	var b strings.Builder
	count := 0
	for _, r := range s {
		if count == n {
			b.WriteString("…")
			break
		}
		count++
		if unicode.IsControl(r) || r == utf8.RuneError {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
