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

	"github.com/nlpodyssey/gopickle/types"
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
// Only the pickles are parsed when a file is opened, by gopickle's
// unpickler with the tensor whitelist and the deferred storages of
// pickle.go. A storage's bytes are then located — the zip entry
// PREFIX/data/KEY, or its place in the legacy file's raw section — and
// read later, only for the tensors asked for.

// stateDict extracts the tensors of a loaded pickle: a dict of name →
// tensor, or a dict with such a dict under "state_dict". Other values
// (version numbers, metadata) are skipped.
func stateDict(obj any) (map[string]*pthTensor, []string, error) {
	keys, vals, ok := dictItems(obj)
	if !ok {
		return nil, nil, fmt.Errorf("the file holds a pickled %s, not a state dict", typeName(obj))
	}
	if inner, ok := dictGet(obj, "state_dict"); ok {
		if k, v, ok := dictItems(inner); ok {
			keys, vals = k, v
		}
	}
	tensors := map[string]*pthTensor{}
	var order []string
	for i, key := range keys {
		k, ok1 := key.(string)
		t, ok2 := vals[i].(*pthTensor)
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
	if pkl.UncompressedSize64 > maxPickleBytes {
		return nil, nil, fmt.Errorf("%s is %d bytes, over the %d MiB of a state dict's pickle: not a weight file?",
			pkl.Name, pkl.UncompressedSize64, maxPickleBytes>>20)
	}
	pr, err := pkl.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", pkl.Name, err)
	}
	defer pr.Close()
	storages := map[string]*pthStorage{}
	obj, err := unpickle(bufio.NewReader(io.LimitReader(pr, maxPickleBytes)), int64(pkl.UncompressedSize64), storageLoader(storages, false))
	var refused *refusedError
	if errors.As(err, &refused) {
		return nil, nil, err
	} else if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", pkl.Name, err)
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
	// The pickles come first; maxPickleBytes caps them all.
	capped := min(size, maxPickleBytes)
	cr := &countingReader{r: io.NewSectionReader(r, 0, capped)}
	br := bufio.NewReader(cr)
	load := func(what string, persistentLoad func(any) (any, error)) (any, error) {
		v, err := unpickle(br, capped-(cr.n-int64(br.Buffered())), persistentLoad)
		var refused *refusedError
		switch {
		case errors.As(err, &refused):
			return nil, err
		case err != nil && size > maxPickleBytes && cr.n == capped:
			return nil, fmt.Errorf("legacy .pth %s: the pickles run past %d MiB: not a weight file?", what, maxPickleBytes>>20)
		case err != nil:
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
	if le, ok := dictGet(info, "little_endian"); ok && le != true {
		return nil, nil, errors.New("a big-endian legacy .pth, which is not supported")
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
	keys, ok := keysObj.(*types.List)
	if !ok {
		return nil, nil, fmt.Errorf("legacy .pth storage keys are a %s, want a list", typeName(keysObj))
	}
	pos := cr.n - int64(br.Buffered())
	for _, k := range *keys {
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
