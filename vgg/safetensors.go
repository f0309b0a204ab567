package vgg

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sort"
)

// The safetensors format (github.com/huggingface/safetensors, README
// "Format"): an unsigned little-endian 64-bit header length N, N bytes
// of UTF-8 JSON, then the data. The JSON maps each tensor name to
// {"dtype": "F32", "shape": [64, 3, 3, 3], "data_offsets": [begin, end]},
// offsets in bytes relative to the start of the data, plus an optional
// "__metadata__" map of strings. The library pads the header with spaces
// to a multiple of 8 bytes and refuses headers over 100 MB.

// maxSafetensorsHeader is the largest header accepted, like the
// safetensors library's MAX_HEADER_SIZE.
const maxSafetensorsHeader = 100 << 20

// stEntry is one tensor of a safetensors header.
type stEntry struct {
	DType   dtype   `json:"dtype"`
	Shape   []int64 `json:"shape"`
	Offsets []int64 `json:"data_offsets"`
}

// numel returns the number of elements.
func (e stEntry) numel() int64 {
	n := int64(1)
	for _, d := range e.Shape {
		n *= d
	}
	return n
}

// stHeader is a parsed and validated safetensors header.
type stHeader struct {
	Tensors   map[string]stEntry
	Metadata  map[string]string
	DataStart int64 // 8 + header length: where offset 0 of the data is
}

// readSafetensorsHeader reads and validates the header of a safetensors
// file of size bytes.
func readSafetensorsHeader(r io.ReaderAt, size int64) (*stHeader, error) {
	var lenBuf [8]byte
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("safetensors header length: %w", noEOF(err))
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > maxSafetensorsHeader || int64(n)+8 > size {
		return nil, fmt.Errorf("safetensors header of %d bytes in a file of %d bytes: truncated or not safetensors", n, size)
	}
	raw := make([]byte, n)
	if _, err := r.ReadAt(raw, 8); err != nil {
		return nil, fmt.Errorf("safetensors header: %w", noEOF(err))
	}
	return parseSafetensorsHeader(raw, size-8-int64(n))
}

// parseSafetensorsHeader decodes and validates a header whose data
// section holds dataLen bytes: known dtypes, non-negative shapes,
// offsets that match the shape, lie within the data and do not overlap.
func parseSafetensorsHeader(raw []byte, dataLen int64) (*stHeader, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("safetensors header: %v", err)
	}
	h := &stHeader{Tensors: make(map[string]stEntry, len(fields)), DataStart: 8 + int64(len(raw))}
	for name, v := range fields {
		if name == "__metadata__" {
			if err := json.Unmarshal(v, &h.Metadata); err != nil {
				return nil, fmt.Errorf("safetensors __metadata__: %v", err)
			}
			continue
		}
		var e stEntry
		dec := json.NewDecoder(bytes.NewReader(v))
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("safetensors tensor %s: %v", name, err)
		}
		if e.DType.size() == 0 {
			return nil, fmt.Errorf("safetensors tensor %s: unknown dtype %q", name, e.DType)
		}
		for _, d := range e.Shape {
			if d < 0 || d > 1<<40 {
				return nil, fmt.Errorf("safetensors tensor %s: shape %v", name, e.Shape)
			}
		}
		if len(e.Offsets) != 2 {
			return nil, fmt.Errorf("safetensors tensor %s: data_offsets %v, want [begin, end]", name, e.Offsets)
		}
		b, end := e.Offsets[0], e.Offsets[1]
		if b < 0 || end < b || end > dataLen {
			return nil, fmt.Errorf("safetensors tensor %s: data_offsets [%d, %d] outside the %d data bytes: truncated file?", name, b, end, dataLen)
		}
		if want := e.numel() * int64(e.DType.size()); end-b != want {
			return nil, fmt.Errorf("safetensors tensor %s: %d bytes for shape %v of %v, want %d", name, end-b, e.Shape, e.DType, want)
		}
		h.Tensors[name] = e
	}
	names := h.sorted()
	for i := 1; i < len(names); i++ {
		prev, cur := h.Tensors[names[i-1]], h.Tensors[names[i]]
		if cur.Offsets[0] < prev.Offsets[1] {
			return nil, fmt.Errorf("safetensors tensors %s and %s overlap", names[i-1], names[i])
		}
	}
	return h, nil
}

// sorted returns the tensor names by data offset (then name).
func (h *stHeader) sorted() []string {
	names := make([]string, 0, len(h.Tensors))
	for name := range h.Tensors {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := h.Tensors[names[i]].Offsets[0], h.Tensors[names[j]].Offsets[0]
		if a != b {
			return a < b
		}
		return names[i] < names[j]
	})
	return names
}

// encodeSafetensorsHeader returns the length prefix and JSON header for
// tensors and metadata, padded with spaces to a multiple of 8 bytes like
// the safetensors library. encoding/json writes keys sorted.
func encodeSafetensorsHeader(tensors map[string]stEntry, meta map[string]string) ([]byte, error) {
	fields := make(map[string]any, len(tensors)+1)
	for name, e := range tensors {
		fields[name] = e
	}
	if len(meta) > 0 {
		fields["__metadata__"] = meta
	}
	js, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	for len(js)%8 != 0 {
		js = append(js, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(js)))
	return append(out, js...), nil
}

// noEOF turns io.EOF into io.ErrUnexpectedEOF: a read that should have
// been satisfied hit the end of the file.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
