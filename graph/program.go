package graph

import (
	"fmt"
	"math"
)

// Program is a graph compiled for a backend: its planned buffers are
// allocated and bound to the tensors. Run issues the whole schedule.
type Program struct {
	// Poison, if true, makes Run fill each pooled buffer with NaN right
	// after the last step that needs its tensor, so that a kernel reading
	// a dead tensor (a planning or backend ordering bug) shows as NaN in
	// the results. It costs one Fill per tensor. Default false.
	Poison bool

	g      *Graph
	b      Backend
	plan   *Plan
	bufs   []Buffer
	leaves []*Tensor // leaves the schedule touches
	closed bool
}

// Compile plans g's memory (see Plan), allocates the pooled buffers from b
// and binds them to the tensors. An allocation failure is returned as an
// error naming the tensor and its size, after freeing what was allocated.
// A graph has at most one live Program; Close it to compile again.
func (g *Graph) Compile(b Backend) (*Program, error) {
	if g.prog != nil {
		panicf("Compile: graph is already compiled; Close its Program first")
	}
	if !g.done {
		g.nfwd = len(g.steps)
	}
	plan := g.Plan()
	p := &Program{g: g, b: b, plan: plan, bufs: make([]Buffer, 0, len(plan.slots))}
	for _, t := range plan.slots {
		buf, err := b.Alloc(t.shape.Len(), t.name)
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("graph: allocating %s (%v float32, %s): %w",
				t.name, t.shape, FormatBytes(t.shape.Bytes()), err)
		}
		p.bufs = append(p.bufs, buf)
	}
	seen := map[*Tensor]bool{}
	for _, t := range g.tensors {
		if s := plan.slot[t.id]; s >= 0 {
			t.buf = p.bufs[s]
		}
	}
	for _, s := range g.steps {
		for _, group := range [][]*Tensor{s.reads, s.writes} {
			for _, t := range group {
				if t.leaf && !seen[t] {
					seen[t] = true
					p.leaves = append(p.leaves, t)
				}
			}
		}
	}
	g.prog = p
	return p, nil
}

// Plan returns the memory plan the program was compiled with.
func (p *Program) Plan() *Plan { return p.plan }

// Forward issues the forward steps only (the loss and kept tensors, no
// gradients), for example to evaluate a loss in a line search.
func (p *Program) Forward() { p.issue(p.g.nfwd) }

// Run issues the whole schedule, forward then backward. Gradients are
// zeroed and recomputed on every Run, not accumulated across runs. On a
// recording backend nothing has executed when Run returns: Download or
// Flush submits the work.
func (p *Program) Run() { p.issue(len(p.g.steps)) }

func (p *Program) issue(nsteps int) {
	if p.closed {
		panicf("Run: program is closed")
	}
	for _, t := range p.leaves {
		if t.buf == nil {
			panicf("Run: leaf %s (%v) has no buffer; Bind one", t.name, t.shape)
		}
	}
	nan := float32(math.NaN())
	for i, s := range p.g.steps[:nsteps] {
		s.run(p.b)
		if p.Poison {
			for _, t := range p.plan.ends[i] {
				p.b.Fill(t.buf, nan)
			}
		}
	}
}

// Close frees the pooled buffers and unbinds them from the tensors, so
// the graph can be compiled again. Leaves keep their buffers. Closing
// twice is harmless.
func (p *Program) Close() {
	if p.closed {
		return
	}
	p.closed = true
	for _, b := range p.bufs {
		p.b.Free(b)
	}
	p.bufs = nil
	for _, t := range p.g.tensors {
		if !t.leaf {
			t.buf = nil
		}
	}
	if p.g.prog == p {
		p.g.prog = nil
	}
}
