package fast

import (
	"fmt"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/vgg"
)

// params is a model's tensors: read from its file onto the host, then
// uploaded to one backend and bound into each graph as Constants.
type params struct {
	model string // for messages: "TransformerNet"
	host  map[string][]float32
	shape map[string]graph.Shape
	dev   graph.Backend
	bufs  map[string]graph.Buffer
}

func newParams(model string) *params {
	return &params{model: model, host: map[string][]float32{}, shape: map[string]graph.Shape{}}
}

// read reads tensor key of d with the given file shape, storing it under
// key with graph shape s (the same number of elements).
func (p *params) read(d *vgg.StateDict, key string, file []int64, s graph.Shape, what string) error {
	return p.readAs(d, key, key, file, s, what)
}

// readAs is read storing the tensor under the name as (two files of one
// model may use the same keys).
func (p *params) readAs(d *vgg.StateDict, key, as string, file []int64, s graph.Shape, what string) error {
	v, err := d.Read(key, file, what)
	if err != nil {
		return err
	}
	p.host[as], p.shape[as] = v, s
	return nil
}

// bytes is the size of the weights.
func (p *params) bytes() int64 {
	var n int64
	for _, v := range p.host {
		n += 4 * int64(len(v))
	}
	return n
}

// upload copies every tensor to b; again with the same backend it does
// nothing. On error nothing stays allocated.
func (p *params) upload(b graph.Backend) error {
	if p.dev != nil {
		if p.dev == b {
			return nil
		}
		return fmt.Errorf("fast: %s weights are already on another backend; Close the model first", p.model)
	}
	p.dev, p.bufs = b, map[string]graph.Buffer{}
	for key, v := range p.host {
		buf, err := b.Alloc(len(v), p.model+"."+key)
		if err == nil {
			p.bufs[key] = buf
			err = b.Upload(buf, v)
		}
		if err != nil {
			p.close()
			return fmt.Errorf("fast: uploading %s %s (%s): %w", p.model, key, graph.FormatBytes(4*int64(len(v))), err)
		}
	}
	return nil
}

// close frees the device copies; the host weights stay. Harmless twice.
func (p *params) close() {
	if p.dev == nil {
		return
	}
	for _, buf := range p.bufs {
		p.dev.Free(buf)
	}
	p.dev, p.bufs = nil, nil
}

// constant adds tensor key to g as a Constant bound to its device copy.
func (p *params) constant(g *graph.Graph, key string) *graph.Tensor {
	t := g.Constant(p.model+"."+key, p.shape[key])
	t.Bind(p.bufs[key])
	return t
}
