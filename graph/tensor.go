package graph

// Tensor is a node of a Graph: a Shape, a Buffer once the graph is
// compiled (or bound, for a leaf), and whether gradients flow to it.
//
// A leaf is created by Graph.Variable (it requires a gradient: the image
// being optimised, or a trained weight) or Graph.Constant (frozen: VGG
// weights, targets). Every other tensor is produced by an op and requires
// a gradient when any of its inputs does.
type Tensor struct {
	g            *Graph
	id           int
	name         string
	shape        Shape
	leaf         bool
	requiresGrad bool
	kept         bool
	buf          Buffer
	grad         *Tensor // ∂loss/∂t, created by Graph.Backward
}

// Name returns the tensor's name, used in errors and schedules.
func (t *Tensor) Name() string { return t.name }

// SetName renames t and returns it, for chaining:
// g.ReLU(y).SetName("relu1_1").
func (t *Tensor) SetName(name string) *Tensor {
	t.name = name
	return t
}

// Shape returns the tensor's shape.
func (t *Tensor) Shape() Shape { return t.shape }

// RequiresGrad reports whether gradients flow to t.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// Buffer returns the buffer holding t: the bound buffer of a leaf, or the
// pooled buffer assigned by Compile. The contents of a pooled buffer are
// t's only while t is live; after Program.Run they are t's only for a
// kept tensor (see Graph.Keep) and the loss.
func (t *Tensor) Buffer() Buffer { return t.buf }

// Grad returns the buffer holding ∂loss/∂t after Program.Run, for a leaf
// created by Variable on a graph with Backward; otherwise nil.
func (t *Tensor) Grad() Buffer {
	if !t.leaf || t.grad == nil {
		return nil
	}
	return t.grad.buf
}

// Bind sets the buffer of leaf t. Leaves live outside the memory plan:
// the caller allocates, uploads and frees them, and may bind one buffer
// to leaves of several graphs (weights shared by the target pass and the
// optimisation loop). Bind panics unless t is a leaf and b holds
// t.Shape().Len() elements.
func (t *Tensor) Bind(b Buffer) {
	if !t.leaf {
		panicf("Bind: %s is not a leaf", t.name)
	}
	CheckLen("Bind", t.name, b, t.shape.Len())
	t.buf = b
}

// String returns "name(shape)".
func (t *Tensor) String() string { return t.name + "(" + t.shape.String() + ")" }
