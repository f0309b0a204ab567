package fast

import (
	"fmt"

	"github.com/vkstyle/vkstyle/graph"
)

// program is a model's graph compiled for one input size, with its input
// and output tensors. A model keeps the last one, so a directory of
// same-sized images compiles once.
type program struct {
	w, h   int
	g      *graph.Graph
	prog   *graph.Program
	b      graph.Backend
	inputs []*graph.Tensor
	bufs   []graph.Buffer // the inputs' buffers
	outs   []*graph.Tensor
}

// compile builds a graph with inputs of the given shapes (the leaves that
// build reads, in order) and the outputs build returns (kept, so they
// survive the run and may be read, or bound into another program), and
// compiles it on b. build may panic with a graph error for a shape the
// network cannot take; that comes back as an error.
func compile(b graph.Backend, w, h int, shapes []graph.Shape, names []string,
	build func(g *graph.Graph, in []*graph.Tensor) []*graph.Tensor) (p *program, err error) {
	p = &program{w: w, h: h, g: graph.New(), b: b}
	defer func() {
		if r := recover(); r != nil {
			p.close()
			p, err = nil, fmt.Errorf("%v", r)
		}
	}()
	for i, s := range shapes {
		t := p.g.Constant(names[i], s)
		buf, err := b.Alloc(s.Len(), names[i])
		if err != nil {
			p.close()
			return nil, fmt.Errorf("allocating the %s (%s): %w", names[i], graph.FormatBytes(s.Bytes()), err)
		}
		t.Bind(buf)
		p.inputs, p.bufs = append(p.inputs, t), append(p.bufs, buf)
	}
	p.outs = build(p.g, p.inputs)
	p.g.Keep(p.outs...)
	if p.prog, err = p.g.Compile(b); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// run uploads the inputs, runs the forward pass and downloads output 0.
func (p *program) run(inputs ...[]float32) ([]float32, error) {
	if err := p.start(inputs...); err != nil {
		return nil, err
	}
	return p.read(0)
}

// start uploads the inputs and issues the forward pass; read waits for
// it.
func (p *program) start(inputs ...[]float32) error {
	for i, v := range inputs {
		if err := p.b.Upload(p.bufs[i], v); err != nil {
			return err
		}
	}
	p.prog.Forward()
	return nil
}

// read downloads output i.
func (p *program) read(i int) ([]float32, error) {
	out := make([]float32, p.outs[i].Shape().Len())
	if err := p.b.Download(p.outs[i].Buffer(), out); err != nil {
		return nil, err
	}
	return out, nil
}

// close frees the program and its input buffers. Harmless on nil and
// twice.
func (p *program) close() {
	if p == nil {
		return
	}
	if p.prog != nil {
		p.prog.Close()
		p.prog = nil
	}
	for _, buf := range p.bufs {
		p.b.Free(buf)
	}
	p.bufs = nil
}
