package vgg

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
)

// PyTorch's torch.save writes one of two formats (torch/serialization.py):
//
//   - zip (PyTorch ≥ 1.6): an uncompressed zip archive with entries
//     PREFIX/data.pkl, the pickled object, and PREFIX/data/KEY, one raw
//     little-endian storage per entry. Tensors are pickled as
//     torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)
//     and storages as persistent ids ('storage', torch.FloatStorage, KEY,
//     location, numel).
//   - legacy (before 1.6; torchvision's VGG files of March 2017, which
//     pytorch/vision issue #125 shows are this format, not the older tar
//     one: "vgg19-dcbb9e9d.pth is not a tar/pax file"): five pickles
//     in a row — a magic number, the protocol version 1001, a sys_info
//     dict, the object (storages as persistent ids ('storage', type,
//     KEY, location, numel, view_metadata)), the sorted list of storage
//     keys — then, for each key in that order, an int64 element count and
//     the raw storage. PyTorch 0.1–0.3 pickled tensors with
//     torch._utils._rebuild_tensor(storage, offset, size, stride).
//
// Only the pickle is parsed when a file is opened, by the restricted
// unpickler of pickle.go with a whitelist of classes; storages are read
// later, only those of the tensors asked for.

// pthStorage is a storage of a .pth file: where its bytes are.
type pthStorage struct {
	key   string
	dtype dtype
	numel int64
	r     io.ReaderAt // nil until located
	off   int64       // offset of element 0 in r
	avail int64       // bytes of the storage present in the file
}

// pthTensor is a tensor of a .pth file: a strided view of a storage.
type pthTensor struct {
	st     *pthStorage
	offset int64
	shape  []int64
	stride []int64
}

// storageClass is a whitelisted torch.*Storage class.
type storageClass struct{ dtype dtype }

// storageDTypes maps torch's storage class names to dtypes.
var storageDTypes = map[string]dtype{
	"FloatStorage": "F32", "HalfStorage": "F16", "BFloat16Storage": "BF16", "DoubleStorage": "F64",
	"LongStorage": "I64", "IntStorage": "I32", "ShortStorage": "I16", "CharStorage": "I8",
	"ByteStorage": "U8", "BoolStorage": "BOOL",
}

// rebuildTensor is torch._utils._rebuild_tensor (v1: 4 arguments) or
// _rebuild_tensor_v2 (6 or 7: requires_grad, backward_hooks, metadata).
type rebuildTensor struct{ v2 bool }

func (r rebuildTensor) call(args pyTuple) (any, error) {
	name, min := "_rebuild_tensor", 4
	if r.v2 {
		name, min = "_rebuild_tensor_v2", 6
	}
	if len(args) < min {
		return nil, fmt.Errorf("%s with %d arguments, want %d", name, len(args), min)
	}
	st, ok := args[0].(*pthStorage)
	if !ok {
		return nil, fmt.Errorf("%s of a %T, want a storage", name, args[0])
	}
	off, ok := args[1].(int)
	shape, ok2 := intTuple(args[2])
	stride, ok3 := intTuple(args[3])
	if !ok || !ok2 || !ok3 || off < 0 || len(shape) != len(stride) {
		return nil, fmt.Errorf("%s: offset %v, size %v, stride %v", name, args[1], args[2], args[3])
	}
	for i := range shape {
		if shape[i] < 0 || stride[i] < 0 {
			return nil, fmt.Errorf("%s: size %v, stride %v", name, shape, stride)
		}
	}
	return &pthTensor{st: st, offset: int64(off), shape: shape, stride: stride}, nil
}

// rebuildParameter is torch._utils._rebuild_parameter(data,
// requires_grad, backward_hooks): a state dict saved with keep_vars.
type rebuildParameter struct{}

func (rebuildParameter) call(args pyTuple) (any, error) {
	if len(args) < 1 {
		return nil, errors.New("_rebuild_parameter without data")
	}
	if _, ok := args[0].(*pthTensor); !ok {
		return nil, fmt.Errorf("_rebuild_parameter of a %T", args[0])
	}
	return args[0], nil
}

func intTuple(v any) ([]int64, bool) {
	var items []any
	switch t := v.(type) {
	case pyTuple:
		items = t
	case *pyList:
		items = t.items
	default:
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

// pthWhitelist lists what the pickle may name, for error messages.
const pthWhitelist = "collections.OrderedDict, torch._utils._rebuild_tensor(_v2), torch._utils._rebuild_parameter, torch.*Storage"

// findClass is the tensor whitelist of the unpickler: the only names a
// pickle may use. Nothing here runs code from the file.
func findClass(module, name string) (any, error) {
	switch module + "." + name {
	case "collections.OrderedDict":
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
	return nil, fmt.Errorf("the pickle asks for %s.%s, which is not on the tensor whitelist (%s); refusing to load it",
		module, name, pthWhitelist)
}

// storageLoader returns the persistent loader of a .pth pickle: it
// records storages in storages (by key) without reading them. legacy
// selects the 6-field persistent id of the legacy format.
func storageLoader(storages map[string]*pthStorage, legacy bool) func(any) (any, error) {
	return func(pid any) (any, error) {
		t, ok := pid.(pyTuple)
		if !ok || len(t) < 5 {
			return nil, fmt.Errorf("persistent id %s, want ('storage', type, key, location, numel)", typeName(pid))
		}
		if s, _ := t[0].(string); s != "storage" {
			return nil, fmt.Errorf("persistent id of type %v, want 'storage'", t[0])
		}
		cls, ok1 := t[1].(storageClass)
		key, ok2 := t[2].(string)
		numel, ok3 := t[4].(int)
		if !ok1 || !ok2 || !ok3 || numel < 0 {
			return nil, fmt.Errorf("persistent id %v: want ('storage', torch.*Storage, key, location, numel)", t)
		}
		if legacy && len(t) > 5 && t[5] != nil {
			return nil, fmt.Errorf("storage %s is a view of another storage, which is not supported", key)
		}
		if st, ok := storages[key]; ok {
			if st.dtype != cls.dtype {
				return nil, fmt.Errorf("storage %s used as %v and %v", key, st.dtype, cls.dtype)
			}
			st.numel = max(st.numel, int64(numel))
			return st, nil
		}
		st := &pthStorage{key: key, dtype: cls.dtype, numel: int64(numel)}
		storages[key] = st
		return st, nil
	}
}

// stateDict extracts the tensors of a loaded pickle: a dict of name →
// tensor, or a dict with such a dict under "state_dict". Other values
// (version numbers, metadata) are skipped.
func stateDict(obj any) (map[string]*pthTensor, []string, error) {
	top, ok := obj.(*pyDict)
	if !ok {
		return nil, nil, fmt.Errorf("the file holds a pickled %s, not a state dict", typeName(obj))
	}
	if inner, ok := top.get("state_dict"); ok {
		if d, ok := inner.(*pyDict); ok {
			top = d
		}
	}
	tensors := map[string]*pthTensor{}
	var order []string
	for i, key := range top.keys {
		k, ok1 := key.(string)
		t, ok2 := top.vals[i].(*pthTensor)
		if ok1 && ok2 {
			tensors[k] = t
			order = append(order, k)
		}
	}
	return tensors, order, nil
}

// openPthZip parses the pickle of a zip-format .pth and locates its
// storages.
func openPthZip(r io.ReaderAt, size int64) (map[string]*pthTensor, []string, error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, nil, fmt.Errorf("not a readable zip archive (%v): truncated download?", err)
	}
	entries := map[string]*zip.File{}
	var pkl *zip.File
	for _, f := range z.File {
		entries[f.Name] = f
		if strings.HasSuffix(f.Name, "/constants.pkl") {
			return nil, nil, errors.New("a TorchScript archive, not a torch.save state dict")
		}
		if strings.HasSuffix(f.Name, "/data.pkl") && strings.Count(f.Name, "/") == 1 {
			pkl = f
		}
	}
	if pkl == nil {
		return nil, nil, errors.New("a zip archive without PREFIX/data.pkl: not a torch.save file")
	}
	prefix := strings.TrimSuffix(pkl.Name, "data.pkl")
	pr, err := pkl.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", pkl.Name, err)
	}
	defer pr.Close()
	storages := map[string]*pthStorage{}
	obj, err := unpickle(bufio.NewReader(pr), findClass, storageLoader(storages, false))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", pkl.Name, noEOF(err))
	}
	for key, st := range storages {
		f, ok := entries[prefix+"data/"+key]
		if !ok {
			return nil, nil, fmt.Errorf("storage %s has no entry %sdata/%s: truncated archive?", key, prefix, key)
		}
		if f.Method != zip.Store {
			// torch.save never compresses; a re-zipped file is read
			// in full when one of its tensors is needed.
			st.r, st.off, st.avail = &inflated{f: f}, 0, int64(f.UncompressedSize64)
			continue
		}
		off, err := f.DataOffset()
		if err != nil {
			return nil, nil, fmt.Errorf("storage %s: %v", key, err)
		}
		st.r, st.off, st.avail = r, off, min(int64(f.CompressedSize64), size-off)
	}
	return stateDict(obj)
}

// inflated reads a compressed zip entry by decompressing it whole.
type inflated struct {
	f    *zip.File
	data []byte
}

func (z *inflated) ReadAt(p []byte, off int64) (int, error) {
	if z.data == nil {
		rc, err := z.f.Open()
		if err != nil {
			return 0, err
		}
		z.data, err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return 0, err
		}
	}
	if off >= int64(len(z.data)) {
		return 0, io.EOF
	}
	n := copy(p, z.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// legacyMagic is torch.serialization's MAGIC_NUMBER.
const legacyMagic = "1950a86a20f9469cfc6c"

// countingReader counts the bytes read from r.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// openPthLegacy parses the pickles of a legacy .pth and locates its
// storages in the raw section after them.
func openPthLegacy(r io.ReaderAt, size int64) (map[string]*pthTensor, []string, error) {
	cr := &countingReader{r: io.NewSectionReader(r, 0, size)}
	br := bufio.NewReader(cr)
	load := func(what string, persistentLoad func(any) (any, error)) (any, error) {
		v, err := unpickle(br, findClass, persistentLoad)
		if err != nil {
			return nil, fmt.Errorf("legacy .pth %s: %v", what, err)
		}
		return v, nil
	}
	magic, err := load("magic number", nil)
	if err != nil {
		return nil, nil, err
	}
	if m, ok := magic.(*big.Int); !ok || m.Text(16) != legacyMagic {
		return nil, nil, errors.New("a pickle without PyTorch's magic number: not a torch.save file")
	}
	if v, err := load("protocol version", nil); err != nil {
		return nil, nil, err
	} else if v != 1001 {
		return nil, nil, fmt.Errorf("legacy .pth protocol version %v, want 1001", v)
	}
	info, err := load("sys_info", nil)
	if err != nil {
		return nil, nil, err
	}
	if d, ok := info.(*pyDict); ok {
		if le, ok := d.get("little_endian"); ok && le != true {
			return nil, nil, errors.New("a big-endian legacy .pth, which is not supported")
		}
	}
	storages := map[string]*pthStorage{}
	obj, err := load("object", storageLoader(storages, true))
	if err != nil {
		return nil, nil, err
	}
	keysObj, err := load("storage keys", nil)
	if err != nil {
		return nil, nil, err
	}
	keys, ok := keysObj.(*pyList)
	if !ok {
		return nil, nil, fmt.Errorf("legacy .pth storage keys are a %s, want a list", typeName(keysObj))
	}
	pos := cr.n - int64(br.Buffered())
	for _, k := range keys.items {
		key, _ := k.(string)
		st, ok := storages[key]
		if !ok {
			return nil, nil, fmt.Errorf("legacy .pth lists storage %v that no tensor uses", k)
		}
		var nb [8]byte
		if _, err := r.ReadAt(nb[:], pos); err != nil {
			return nil, nil, fmt.Errorf("storage %s at byte %d of %d: truncated file", key, pos, size)
		}
		numel := int64(binary.LittleEndian.Uint64(nb[:]))
		if numel < st.numel || numel > size {
			return nil, nil, fmt.Errorf("storage %s holds %d elements, its tensors need %d", key, numel, st.numel)
		}
		st.numel, st.r, st.off = numel, r, pos+8
		st.avail = max(0, min(numel*int64(st.dtype.size()), size-st.off))
		pos = st.off + numel*int64(st.dtype.size())
	}
	for key, st := range storages {
		if st.r == nil {
			return nil, nil, fmt.Errorf("storage %s is not in the file's key list", key)
		}
	}
	if pos > size {
		return nil, nil, fmt.Errorf("the storages end at byte %d but the file has %d: truncated download?", pos, size)
	}
	return stateDict(obj)
}

// read converts the tensor's elements, in row-major order of its shape,
// into dst (len(dst) = numel).
func (t *pthTensor) read(dst []float32) error {
	if len(dst) == 0 {
		return nil
	}
	es := int64(t.st.dtype.size())
	last := t.offset
	for i := range t.shape {
		last += (t.shape[i] - 1) * t.stride[i]
	}
	span := last - t.offset + 1
	if last >= t.st.numel {
		return fmt.Errorf("reads element %d of storage %s, which has %d", last, t.st.key, t.st.numel)
	}
	if (last+1)*es > t.st.avail {
		return fmt.Errorf("storage %s is cut short (%d of %d bytes present): truncated download?",
			t.st.key, t.st.avail, t.st.numel*es)
	}
	if !t.st.dtype.readable() {
		return decode(dst, nil, t.st.dtype) // the dtype error
	}
	raw := make([]byte, span*es)
	if _, err := t.st.r.ReadAt(raw, t.st.off+t.offset*es); err != nil {
		return fmt.Errorf("storage %s: %v", t.st.key, noEOF(err))
	}
	if span == int64(len(dst)) {
		return decode(dst, raw, t.st.dtype)
	}
	flat := make([]float32, span)
	if err := decode(flat, raw, t.st.dtype); err != nil {
		return err
	}
	gather(dst, flat, t.shape, t.stride)
	return nil
}

// gather copies the strided view (shape, stride) of src, starting at
// src[0], into dst in row-major order.
func gather(dst, src []float32, shape, stride []int64) {
	idx := make([]int64, len(shape))
	var pos int64
	for i := range dst {
		dst[i] = src[pos]
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			pos += stride[d]
			if idx[d] < shape[d] {
				break
			}
			pos -= stride[d] * shape[d]
			idx[d] = 0
		}
	}
}
