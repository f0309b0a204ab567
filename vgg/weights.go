package vgg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// tensorRef is one tensor of a weight file, not yet read.
type tensorRef struct {
	dtype dtype
	shape []int64
	read  func(dst []float32) error // reads and converts all elements
}

// tensorFile is the directory of an open weight file: names, dtypes and
// shapes, parsed from the header or pickle alone.
type tensorFile struct {
	format  string // "safetensors", "pth (zip)" or "pth (legacy)"
	tensors map[string]*tensorRef
	order   []string          // names in file order, for messages
	meta    map[string]string // safetensors __metadata__
	closer  io.Closer
}

// openTensorFile opens a weight file, recognising the format from its
// first bytes: "PK\x03\x04" is a zip-format .pth, a pickle PROTO opcode
// (0x80) a legacy .pth, and anything else is read as safetensors. Errors
// do not name the file; the caller adds it.
func openTensorFile(path string) (*tensorFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if fi.IsDir() {
		f.Close()
		return nil, dirError(path)
	}
	tf, err := parseTensorFile(f, fi.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	tf.closer = f
	return tf, nil
}

// parseTensorFile reads the directory of the weight file in f.
func parseTensorFile(f io.ReaderAt, size int64) (*tensorFile, error) {
	var head [8]byte
	if _, err := f.ReadAt(head[:], 0); err != nil {
		return nil, fmt.Errorf("%d bytes: empty or truncated file", size)
	}
	tf := &tensorFile{tensors: map[string]*tensorRef{}}
	switch {
	case bytes.HasPrefix(head[:], []byte("PK\x03\x04")), bytes.HasPrefix(head[:], []byte("PK\x05\x06")):
		tf.format = "pth (zip)"
		tensors, order, err := openPthZip(f, size)
		if err != nil {
			return nil, err
		}
		tf.addPth(tensors, order)
	case head[0] == 0x80:
		tf.format = "pth (legacy)"
		tensors, order, err := openPthLegacy(f, size)
		if err != nil {
			return nil, err
		}
		tf.addPth(tensors, order)
	case isTar(f, size):
		return nil, errors.New("a tar archive: torch.save's format before March 2017, which is not supported; re-save it with a current PyTorch")
	default:
		tf.format = "safetensors"
		if n := binary.LittleEndian.Uint64(head[:]); n > maxSafetensorsHeader {
			return nil, fmt.Errorf("neither a PyTorch .pth (zip or legacy) nor a safetensors file")
		}
		h, err := readSafetensorsHeader(f, size)
		if err != nil {
			return nil, err
		}
		tf.meta = h.Metadata
		for _, name := range h.sorted() {
			e := h.Tensors[name]
			off := h.DataStart + e.Offsets[0]
			n := e.Offsets[1] - e.Offsets[0]
			tf.tensors[name] = &tensorRef{dtype: e.DType, shape: e.Shape, read: func(dst []float32) error {
				if !e.DType.readable() {
					return decode(dst, nil, e.DType)
				}
				raw := make([]byte, n)
				if _, err := f.ReadAt(raw, off); err != nil {
					return noEOF(err)
				}
				return decode(dst, raw, e.DType)
			}}
			tf.order = append(tf.order, name)
		}
	}
	return tf, nil
}

// isTar reports whether f holds a POSIX tar archive ("ustar" at byte
// 257 of the first header).
func isTar(f io.ReaderAt, size int64) bool {
	var magic [5]byte
	if size < 512 {
		return false
	}
	_, err := f.ReadAt(magic[:], 257)
	return err == nil && string(magic[:]) == "ustar"
}

func (tf *tensorFile) addPth(tensors map[string]*pthTensor, order []string) {
	for _, name := range order {
		t := tensors[name]
		tf.tensors[name] = &tensorRef{dtype: t.st.dtype, shape: t.shape, read: t.read}
	}
	tf.order = order
}

// Close closes the file.
func (tf *tensorFile) Close() error {
	if tf.closer == nil {
		return nil
	}
	return tf.closer.Close()
}

// get reads the tensor called name, checking that it exists and has the
// given shape. what says what the tensor is for, in errors.
func (tf *tensorFile) get(name string, shape []int64, what string) ([]float32, error) {
	t, ok := tf.tensors[name]
	if !ok {
		return nil, fmt.Errorf("no tensor %s (%s)", name, what)
	}
	if !slices.Equal(t.shape, shape) {
		return nil, fmt.Errorf("%s is %s, want %s for %s", name, fmtShape(t.shape), fmtShape(shape), what)
	}
	if !t.dtype.readable() {
		return nil, fmt.Errorf("%s is %v; want float32 (float16 and bfloat16 are converted)", name, t.dtype)
	}
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	out := make([]float32, n)
	if err := t.read(out); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	for i, v := range out {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("%s: element %d of %d is %v: the file is damaged, not trained weights (fetch or download it again)", name, i, n, v)
		}
	}
	return out, nil
}

// dirError says that path, given as a weight file, is a directory, and
// names the weight files in it.
func dirError(path string) error {
	var found []string
	if entries, err := os.ReadDir(path); err == nil {
		for _, e := range entries {
			if n := e.Name(); e.Type().IsRegular() && (strings.HasSuffix(n, ".pth") || strings.HasSuffix(n, ".safetensors")) {
				found = append(found, n)
			}
		}
	}
	msg := "is a directory: give the weight file itself (a .pth or .safetensors file)"
	switch {
	case len(found) > 3:
		msg += fmt.Sprintf(", such as %s in it", strings.Join(found[:3], ", "))
	case len(found) > 0:
		msg += fmt.Sprintf(", such as %s in it", strings.Join(found, ", "))
	}
	return errors.New(msg)
}

// conv reads the weight and bias of convolution l.
func (tf *tensorFile) conv(arch *Arch, l Layer) (ConvWeights, error) {
	what := fmt.Sprintf("%s %s", arch.Name, l.Name)
	if _, ok := tf.tensors[l.Key+".weight"]; !ok {
		return ConvWeights{}, fmt.Errorf("no tensor %s.weight (%s): want a %s state dict with torchvision's keys features.N.weight and features.N.bias; the file has %s",
			l.Key, what, arch.Name, tf.describe())
	}
	k := int64(l.Kernel)
	w, err := tf.get(l.Key+".weight", []int64{int64(l.Out), int64(l.In), k, k}, what)
	if err != nil {
		return ConvWeights{}, err
	}
	b, err := tf.get(l.Key+".bias", []int64{int64(l.Out)}, what)
	if err != nil {
		return ConvWeights{}, err
	}
	return ConvWeights{W: w, B: b}, nil
}

// describe summarises the file's tensors for an error message.
func (tf *tensorFile) describe() string {
	if len(tf.order) == 0 {
		return "no tensors"
	}
	n := min(len(tf.order), 3)
	return fmt.Sprintf("%d tensors such as %s", len(tf.order), strings.Join(tf.order[:n], ", "))
}

// fmtShape formats a shape like graph.Shape: "64×3×3×3", "[]" for a
// scalar.
func fmtShape(s []int64) string {
	if len(s) == 0 {
		return "[]"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "×")
}

// Load reads from the weight file at path the convolutions of arch that
// computing layers needs (all of arch's for nil) and returns a Net
// holding them on the host. Nothing else is read: for a run up to
// relu4_2 that is 9 of VGG19's 16 convolutions, and never the
// classifier, 470 MB of torchvision's 548 MB file.
//
// The file may be a PyTorch .pth (the zip format of torch.save since
// PyTorch 1.6, or the legacy format of earlier versions, in which
// torchvision's VGG files were written) holding a state dict, or a
// safetensors file. Tensors are found by torchvision's names,
// features.N.weight (Out×In×3×3) and features.N.bias (Out), which
// torchvision, timm's vgg19.tv_in1k and neural-style-pt's Caffe
// conversions all use. float32, float16 and bfloat16 are accepted.
//
// The Net's Convention comes from the known-file table by file name
// (vgg19-d01eb7cb.pth is Caffe), else from the safetensors metadata
// key "vkstyle_convention" that Fetch writes, else Torchvision. Set
// Net.Convention to override it.
//
// Errors are one line, start with "vgg: " and the path, and say what was
// expected: a ResNet state dict, a truncated download, a float64 file
// or a pickle naming anything outside the tensor whitelist (os.system,
// say: "the pickle asks for os.system, which is not a tensor: refusing to
// run it") are refused without running or reading anything else. The
// pickles are run by github.com/nlpodyssey/gopickle (pickle.go).
func Load(path string, arch *Arch, layers []string) (*Net, error) {
	if err := arch.Check(layers); err != nil {
		return nil, err
	}
	tf, err := openTensorFile(path)
	if err != nil {
		return nil, fmt.Errorf("vgg: %s: %w", path, err)
	}
	defer tf.Close()
	weights := map[string]ConvWeights{}
	for _, l := range arch.Convs(layers) {
		cw, err := tf.conv(arch, l)
		if err != nil {
			return nil, fmt.Errorf("vgg: %s: %w", path, err)
		}
		weights[l.Name] = cw
	}
	conv := Torchvision
	if f, ok := knownByName(filepath.Base(path)); ok {
		conv = f.Convention
	} else if name, ok := tf.meta["vkstyle_convention"]; ok {
		if conv, err = ConventionByName(name); err != nil {
			return nil, fmt.Errorf("vgg: %s: %w", path, err)
		}
	}
	n, err := NewNet(arch, weights, conv)
	if err != nil {
		return nil, err
	}
	n.Source = path
	return n, nil
}
