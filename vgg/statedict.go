package vgg

import (
	"fmt"
	"slices"
)

// StateDict is an open weight file of any network — a PyTorch .pth (zip
// or legacy) holding a state dict, or a safetensors file — read with the
// same loaders as the VGG weights (the pickle whitelist included): the
// feed-forward models of package fast are read through it. Only the
// directory is parsed when it opens; tensors are read when asked for.
type StateDict struct {
	path string
	tf   *tensorFile
}

// OpenStateDict opens the weight file at path. Errors are one line,
// starting with "vgg: " and the path.
func OpenStateDict(path string) (*StateDict, error) {
	tf, err := openTensorFile(path)
	if err != nil {
		return nil, fmt.Errorf("vgg: %s: %w", path, err)
	}
	return &StateDict{path: path, tf: tf}, nil
}

// Path is the file's path.
func (d *StateDict) Path() string { return d.path }

// Format is "pth (zip)", "pth (legacy)" or "safetensors".
func (d *StateDict) Format() string { return d.tf.format }

// Keys returns the tensors' names in file order.
func (d *StateDict) Keys() []string { return slices.Clone(d.tf.order) }

// Has reports whether the file holds a tensor called name.
func (d *StateDict) Has(name string) bool { _, ok := d.tf.tensors[name]; return ok }

// Shape returns the shape of tensor name, or nil and false if there is
// none.
func (d *StateDict) Shape(name string) ([]int64, bool) {
	t, ok := d.tf.tensors[name]
	if !ok {
		return nil, false
	}
	return slices.Clone(t.shape), true
}

// Read reads tensor name as float32 (float16 and bfloat16 converted),
// checking that it exists, has the given shape and holds only finite
// values; what says what the tensor is for, in errors. Errors are one
// line and name the tensor; the caller adds the path.
func (d *StateDict) Read(name string, shape []int64, what string) ([]float32, error) {
	return d.tf.get(name, shape, what)
}

// Describe summarises the file's tensors for an error message: their
// number and the first few names.
func (d *StateDict) Describe() string { return d.tf.describe() }

// Close closes the file. Closing twice is harmless.
func (d *StateDict) Close() error {
	if d.tf == nil {
		return nil
	}
	err := d.tf.Close()
	d.tf = nil
	return err
}
