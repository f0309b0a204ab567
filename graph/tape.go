package graph

import (
	"fmt"
	"strings"
)

// Graph records a computation as a tape of kernel steps: each op appends
// its forward kernels when it is called, Backward appends the backward
// kernels in reverse order, and Compile plans the memory of the whole
// schedule and binds buffers. Nothing runs until Program.Run, which
// issues the schedule to a Backend as one stream of kernels; a GPU
// backend records it into one command buffer.
//
// A Graph is built once and run many times (once per optimiser
// iteration). It is not safe for concurrent use.
type Graph struct {
	tensors []*Tensor
	nodes   []node
	steps   []step
	nfwd    int  // forward steps; valid once done is true
	done    bool // Backward has been called
	prog    *Program
}

// step is one kernel call of the schedule. reads and writes name the
// tensors it touches, for liveness; run issues the kernel, looking up
// buffers through the tensors when it runs.
type step struct {
	kernel string
	acc    bool // the kernel accumulates into writes (backward convention)
	reads  []*Tensor
	writes []*Tensor
	run    func(Backend)
}

// node is one op on the tape: its backward emits the steps that turn the
// gradients of its outputs into contributions to its inputs' gradients.
type node struct {
	out      []*Tensor
	backward func(gout []*Tensor)
}

// New returns an empty graph.
func New() *Graph { return &Graph{} }

// Variable returns a leaf that requires a gradient: the image being
// optimised, or a weight being trained. Bind a buffer to it before
// Program.Run; its gradient is at Grad after Run.
func (g *Graph) Variable(name string, s Shape) *Tensor { return g.leafTensor(name, s, true) }

// Constant returns a frozen leaf: it gets no gradient and no backward
// kernels are issued for it (pretrained weights, targets). Bind a buffer
// to it before Program.Run.
func (g *Graph) Constant(name string, s Shape) *Tensor { return g.leafTensor(name, s, false) }

func (g *Graph) leafTensor(name string, s Shape, grad bool) *Tensor {
	g.mutable("leaf " + name)
	checkShape("leaf "+name, s)
	t := g.newTensor(name, s)
	t.leaf, t.requiresGrad = true, grad
	return t
}

// Leaves returns the graph's leaves in creation order.
func (g *Graph) Leaves() []*Tensor {
	var out []*Tensor
	for _, t := range g.tensors {
		if t.leaf {
			out = append(out, t)
		}
	}
	return out
}

// Keep marks tensors whose contents must survive Program.Run, such as
// target features to read back; their buffers are never reused. The loss
// and the gradients of variables are always kept.
func (g *Graph) Keep(ts ...*Tensor) {
	g.use("Keep", ts...)
	if g.prog != nil {
		panicf("Keep: graph is compiled")
	}
	for _, t := range ts {
		t.kept = true
	}
}

// Backward appends to the tape the kernels that compute ∂loss/∂v for every
// Variable v, loss being a Scalar tensor. A tensor used by several ops
// receives the sum of their gradients. Ops on tensors that need no
// gradient, and weight gradients of Constants, issue no kernels.
// Backward may be called once, after the last op.
func (g *Graph) Backward(loss *Tensor) {
	g.mutable("Backward")
	g.use("Backward", loss)
	if loss.shape != Scalar {
		panicf("Backward: loss %s has shape %v, want %v", loss.name, loss.shape, Scalar)
	}
	g.nfwd, g.done = len(g.steps), true
	loss.kept = true
	if loss.requiresGrad {
		gl := g.newTensor(loss.name+".grad", loss.shape)
		loss.grad = gl
		g.emit("Fill(1)", false, nil, []*Tensor{gl}, func(b Backend) { b.Fill(gl.buf, 1) })
	}
	for i := len(g.nodes) - 1; i >= 0; i-- {
		n := g.nodes[i]
		reached := false
		for _, o := range n.out {
			reached = reached || o.grad != nil
		}
		if !reached {
			continue
		}
		gout := make([]*Tensor, len(n.out))
		for j, o := range n.out {
			gout[j] = g.gradOf(o) // zero for an output the loss does not use
		}
		n.backward(gout)
	}
	for _, t := range g.tensors {
		if t.leaf && t.requiresGrad {
			g.gradOf(t).kept = true // zero if the loss does not depend on t
		}
	}
}

// Schedule returns one line per kernel step, in issue order, such as
// "relu2 = ReLUForward(conv1)", "conv1.grad = Fill(0)" or
// "conv1.grad += ReLUBackward(relu2, relu2.grad)".
func (g *Graph) Schedule() []string {
	lines := make([]string, len(g.steps))
	for i, s := range g.steps {
		op := " = "
		if s.acc {
			op = " += "
		}
		lines[i] = names(s.writes) + op + s.kernel
		if len(s.reads) > 0 {
			lines[i] += "(" + names(s.reads) + ")"
		}
	}
	return lines
}

func names(ts []*Tensor) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.name
	}
	return strings.Join(s, ", ")
}

// newTensor appends a tensor that requires a gradient if any input does.
func (g *Graph) newTensor(name string, s Shape, inputs ...*Tensor) *Tensor {
	t := &Tensor{g: g, id: len(g.tensors), name: name, shape: s}
	for _, in := range inputs {
		t.requiresGrad = t.requiresGrad || (in != nil && in.requiresGrad)
	}
	g.tensors = append(g.tensors, t)
	return t
}

// output returns a new op output named after the op and its index.
func (g *Graph) output(op string, s Shape, inputs ...*Tensor) *Tensor {
	return g.newTensor(fmt.Sprintf("%s%d", strings.ToLower(op), len(g.tensors)), s, inputs...)
}

// emit appends a kernel step. nil tensors (an absent bias) are dropped.
func (g *Graph) emit(kernel string, acc bool, reads, writes []*Tensor, run func(Backend)) {
	g.steps = append(g.steps, step{kernel: kernel, acc: acc, reads: compact(reads), writes: compact(writes), run: run})
}

func compact(ts []*Tensor) []*Tensor {
	out := ts[:0:0]
	for _, t := range ts {
		if t != nil {
			out = append(out, t)
		}
	}
	return out
}

// record appends an op to the tape for Backward, unless no input needs a
// gradient. backward must emit steps only for inputs that require one.
func (g *Graph) record(in, out []*Tensor, backward func(gout []*Tensor)) {
	for _, t := range in {
		if t != nil && t.requiresGrad {
			g.nodes = append(g.nodes, node{out: out, backward: backward})
			return
		}
	}
}

// gradOf returns the gradient tensor of t, creating it zero-filled at the
// current point of the schedule on first use: backward kernels accumulate.
func (g *Graph) gradOf(t *Tensor) *Tensor {
	if t.grad == nil {
		gt := g.newTensor(t.name+".grad", t.shape)
		t.grad = gt
		g.emit("Fill(0)", false, nil, []*Tensor{gt}, func(b Backend) { b.Fill(gt.buf, 0) })
	}
	return t.grad
}

// mutable panics if ops can no longer be added.
func (g *Graph) mutable(op string) {
	switch {
	case g.prog != nil:
		panicf("%s: graph is compiled", op)
	case g.done:
		panicf("%s: Backward has been called; ops must come before it", op)
	}
}

// use panics unless every non-nil tensor belongs to g.
func (g *Graph) use(op string, ts ...*Tensor) {
	for _, t := range ts {
		if t != nil && t.g != g {
			panicf("%s: tensor %s belongs to another graph", op, t.name)
		}
	}
}

// begin validates an op's inputs: it is the first call of every op.
func (g *Graph) begin(op string, ts ...*Tensor) {
	g.mutable(op)
	g.use(op, ts...)
}

// list is shorthand for a tensor slice.
func list(t ...*Tensor) []*Tensor { return t }
