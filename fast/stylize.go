package fast

import (
	"errors"
	"fmt"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/stylize"
)

// Stylize runs the network on content and returns the result at content's
// size, samples in [0, 1]. The network sees content ×255, as
// fast_neural_style feeds it; its output is divided by 255 and clamped,
// and where an odd side made it larger (OutputSize) the extra bottom rows
// and right columns are cropped. Upload must have run. The compiled
// program is kept for the next image of the same size.
func (m *Transformer) Stylize(content *stylize.Image) (*stylize.Image, error) {
	if m.p.dev == nil {
		return nil, errors.New("fast: TransformerNet Stylize before Upload")
	}
	w, h := content.W, content.H
	if w < MinSide || h < MinSide {
		return nil, fmt.Errorf("fast: %s is %d×%d: the TransformerNet needs at least %d×%d pixels", imageName(content), w, h, MinSide, MinSide)
	}
	if m.prog == nil || m.prog.w != w || m.prog.h != h {
		m.prog.close()
		m.prog = nil
		p, err := compile(m.p.dev, w, h, []graph.Shape{graph.NCHW(1, 3, h, w)}, []string{"content"},
			func(g *graph.Graph, in []*graph.Tensor) []*graph.Tensor { return []*graph.Tensor{m.build(g, in[0])} })
		if err != nil {
			return nil, fmt.Errorf("fast: TransformerNet at %d×%d: %w", w, h, err)
		}
		m.prog = p
	}
	x := make([]float32, len(content.Pix))
	for i, v := range content.Pix {
		x[i] = 255 * v
	}
	y, err := m.prog.run(x)
	if err != nil {
		return nil, fmt.Errorf("fast: TransformerNet at %d×%d: %w", w, h, err)
	}
	s := m.prog.outs[0].Shape()
	return cropClamp(y, s.W, s.H, w, h, 1.0/255), nil
}

// cropClamp returns the top-left w×h of the 3×sh×sw planes y, each
// sample multiplied by scale and clamped to [0, 1].
func cropClamp(y []float32, sw, sh, w, h int, scale float32) *stylize.Image {
	im := stylize.NewImage(w, h)
	for c := 0; c < 3; c++ {
		for yy := 0; yy < h; yy++ {
			for xx := 0; xx < w; xx++ {
				im.Set(c, xx, yy, min(max(y[(c*sh+yy)*sw+xx]*scale, 0), 1))
			}
		}
	}
	return im
}

// imageName names an image in messages.
func imageName(im *stylize.Image) string {
	if im.Name != "" {
		return im.Name
	}
	return "the image"
}
