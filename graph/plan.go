package graph

import "fmt"

// Plan is the memory plan of a graph's schedule (forward and backward).
//
// Every tensor that is not a leaf (op outputs and gradients) is live from
// the first step that touches it to the last; kept tensors (Keep, the
// loss, the gradients of variables) stay live to the end. Walking the
// schedule in order, a tensor takes a buffer of exactly its length from a
// pool when it becomes live, and returns it after its last step, so a
// later tensor of the same length reuses it. A buffer is never shared
// within one step, so no kernel reads and writes aliased buffers. Forward
// activations that a backward kernel reads stay live until that kernel
// ran; the others (a conv output consumed only by its ReLU, say) are
// recycled during the forward pass.
//
// Leaves are not planned: their buffers belong to the caller.
type Plan struct {
	Steps      int   // kernel steps, forward and backward
	Tensors    int   // planned tensors: op outputs and gradients
	Buffers    int   // pooled buffers Compile allocates
	PeakBytes  int64 // bytes of the pooled buffers: what Compile allocates
	LiveBytes  int64 // most bytes live at once: a lower bound for PeakBytes
	TotalBytes int64 // bytes of all planned tensors: the cost of no reuse
	LeafBytes  int64 // bytes of the leaves, bound by the caller

	slot  []int     // slot of each tensor by id, −1 for leaves and untouched ones
	slots []*Tensor // first tensor of each slot: its length and name
	ends  [][]*Tensor
}

// Plan computes the memory plan of g's schedule. It needs no backend;
// Compile uses the same plan.
func (g *Graph) Plan() *Plan {
	n := len(g.steps)
	first := make([]int, len(g.tensors))
	last := make([]int, len(g.tensors))
	for i := range first {
		first[i], last[i] = -1, -1
	}
	for i, s := range g.steps {
		for _, group := range [][]*Tensor{s.reads, s.writes} {
			for _, t := range group {
				if t.leaf {
					continue
				}
				if first[t.id] < 0 {
					first[t.id] = i
				}
				last[t.id] = i
			}
		}
	}
	p := &Plan{Steps: n, slot: make([]int, len(g.tensors)), ends: make([][]*Tensor, n)}
	starts := make([][]*Tensor, n)
	for _, t := range g.tensors {
		p.slot[t.id] = -1
		if t.leaf {
			p.LeafBytes += t.shape.Bytes()
			continue
		}
		if first[t.id] < 0 {
			continue
		}
		p.Tensors++
		p.TotalBytes += t.shape.Bytes()
		starts[first[t.id]] = append(starts[first[t.id]], t)
		if !t.kept {
			p.ends[last[t.id]] = append(p.ends[last[t.id]], t)
		}
	}
	free := map[int][]int{} // length → free slots, most recently freed last
	var live int64
	for i := 0; i < n; i++ {
		for _, t := range starts[i] {
			l := t.shape.Len()
			if f := free[l]; len(f) > 0 {
				p.slot[t.id], free[l] = f[len(f)-1], f[:len(f)-1]
			} else {
				p.slot[t.id] = len(p.slots)
				p.slots = append(p.slots, t)
				p.PeakBytes += t.shape.Bytes()
			}
			live += t.shape.Bytes()
		}
		p.LiveBytes = max(p.LiveBytes, live)
		for _, t := range p.ends[i] {
			l := t.shape.Len()
			free[l] = append(free[l], p.slot[t.id])
			live -= t.shape.Bytes()
		}
	}
	p.Buffers = len(p.slots)
	return p
}

// String summarises the plan on one line.
func (p *Plan) String() string {
	return fmt.Sprintf("%d steps, %d tensors in %d buffers: peak %s (live %s), %s without reuse, leaves %s",
		p.Steps, p.Tensors, p.Buffers, FormatBytes(p.PeakBytes), FormatBytes(p.LiveBytes),
		FormatBytes(p.TotalBytes), FormatBytes(p.LeafBytes))
}
