package fast

import (
	"errors"
	"fmt"
	"math"

	"github.com/vkstyle/vkstyle/graph"
	"github.com/vkstyle/vkstyle/stylize"
)

// StyleCode is a style image encoded for AdaIN: the mean and standard
// deviation of each channel of its relu4_1 features (unbiased, eps 1e-5
// under the root). It is small (2·512 numbers) and independent of the
// content, so a style is encoded once for any number of images.
type StyleCode struct {
	Mean, Std []float32
	// Name is the style image's, for messages.
	Name string
}

// contentCode is the content encoded on the device: the program whose
// kept outputs are relu4_1 and its mean and std, with host copies of the
// statistics.
type contentCode struct {
	w, h      int
	prog      *program
	mean, std []float32
}

// checkSide refuses an image the encoder cannot take.
func checkSide(im *stylize.Image, what string) error {
	if im.W < AdaINMinSide || im.H < AdaINMinSide {
		return fmt.Errorf("fast: %s %s is %d×%d: AdaIN's encoder needs at least %d×%d pixels", what, imageName(im), im.W, im.H, AdaINMinSide, AdaINMinSide)
	}
	return nil
}

// encoder compiles the encoder for a w×h image; withFeatures keeps
// relu4_1 as output 0 (for the content), before its mean and std.
func (a *AdaIN) encoder(w, h int, withFeatures bool) (*program, error) {
	return compile(a.p.dev, w, h, []graph.Shape{graph.NCHW(1, 3, h, w)}, []string{"image"},
		func(g *graph.Graph, in []*graph.Tensor) []*graph.Tensor {
			f := a.encode(g, in[0])
			mean, std := g.ChannelMeanStdUnbiased(f, 1e-5)
			if withFeatures {
				return []*graph.Tensor{f, mean, std}
			}
			return []*graph.Tensor{mean, std}
		})
}

// EncodeStyle runs the encoder on a style image. Upload must have run.
func (a *AdaIN) EncodeStyle(style *stylize.Image) (*StyleCode, error) {
	if a.p.dev == nil {
		return nil, errors.New("fast: AdaIN EncodeStyle before Upload")
	}
	if err := checkSide(style, "style image"); err != nil {
		return nil, err
	}
	if a.encProg == nil || a.encProg.w != style.W || a.encProg.h != style.H {
		a.encProg.close()
		a.encProg = nil
		p, err := a.encoder(style.W, style.H, false)
		if err != nil {
			return nil, fmt.Errorf("fast: AdaIN encoder at %d×%d: %w", style.W, style.H, err)
		}
		a.encProg = p
	}
	mean, std, err := encodeStats(a.encProg, style, 0)
	if err != nil {
		return nil, err
	}
	return &StyleCode{Mean: mean, Std: std, Name: style.Name}, nil
}

// encodeStats runs encoder program p on im and reads the statistics of
// relu4_1, its outputs first and first+1.
func encodeStats(p *program, im *stylize.Image, first int) (mean, std []float32, err error) {
	if err = p.start(im.Pix); err == nil {
		if mean, err = p.read(first); err == nil {
			std, err = p.read(first + 1)
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("fast: encoding %s: %w", imageName(im), err)
	}
	return mean, std, nil
}

// EncodeContent runs the encoder on the content image and keeps the
// result on the device for Decode, replacing the previous content.
// Upload must have run.
func (a *AdaIN) EncodeContent(content *stylize.Image) error {
	if a.p.dev == nil {
		return errors.New("fast: AdaIN EncodeContent before Upload")
	}
	if err := checkSide(content, "content image"); err != nil {
		return err
	}
	w, h := content.W, content.H
	if a.content == nil || a.content.w != w || a.content.h != h {
		a.decProg.close()
		a.decProg = nil
		if a.content != nil {
			a.content.prog.close()
		}
		a.content = nil
		p, err := a.encoder(w, h, true)
		if err != nil {
			return fmt.Errorf("fast: AdaIN encoder at %d×%d: %w", w, h, err)
		}
		a.content = &contentCode{w: w, h: h, prog: p}
	}
	c := a.content
	var err error
	c.mean, c.std, err = encodeStats(c.prog, content, 1) // nil on error: Decode refuses
	return err
}

// Decode stylises the content of the last EncodeContent with the styles
// blended by weights (nil: equal; normalised to sum 1, as AdaIN's
// interpolation weights are) and alpha the content–style trade-off in
// [0, 1] (1: all style). The result has the content's size: the decoder
// returns each side rounded up to a multiple of 8, cropped back; samples
// are clamped to [0, 1].
//
// The blend and alpha cost nothing on the device: AdaIN is linear in the
// target statistics, so blending the outputs of several styles, or
// mixing them with the content's features by alpha as the reference code
// does, equals one AdaIN whose target mean and std are blended the same
// way (with the content's own statistics for 1 − alpha).
func (a *AdaIN) Decode(styles []*StyleCode, weights []float64, alpha float64) (*stylize.Image, error) {
	y, s, err := a.decodeRaw(styles, weights, alpha)
	if err != nil {
		return nil, err
	}
	return cropClamp(y, s.W, s.H, a.content.w, a.content.h, 1), nil
}

// decodeRaw is Decode without the crop and clamp: the decoder's output
// and its shape.
func (a *AdaIN) decodeRaw(styles []*StyleCode, weights []float64, alpha float64) ([]float32, graph.Shape, error) {
	c := a.content
	if c == nil || c.mean == nil {
		return nil, graph.Shape{}, errors.New("fast: AdaIN Decode before EncodeContent")
	}
	scale, shift, err := a.targets(styles, weights, alpha, c)
	if err != nil {
		return nil, graph.Shape{}, err
	}
	if a.decProg == nil {
		C := a.Widths[3]
		f, m, s := c.prog.outs[0], c.prog.outs[1], c.prog.outs[2]
		p, err := compile(a.p.dev, c.w, c.h, []graph.Shape{graph.NCHW(1, 1, 1, C), graph.NCHW(1, 1, 1, C)}, []string{"scale", "shift"},
			func(g *graph.Graph, in []*graph.Tensor) []*graph.Tensor {
				// The content's features and statistics, read where the
				// encoder's program keeps them.
				fc, mc, sc := g.Constant("relu4_1", f.Shape()), g.Constant("mean", m.Shape()), g.Constant("std", s.Shape())
				fc.Bind(f.Buffer())
				mc.Bind(m.Buffer())
				sc.Bind(s.Buffer())
				return []*graph.Tensor{a.decode(g, g.ChannelAffine(fc, mc, sc, in[0], in[1]))}
			})
		if err != nil {
			return nil, graph.Shape{}, fmt.Errorf("fast: AdaIN decoder at %d×%d: %w", c.w, c.h, err)
		}
		a.decProg = p
	}
	y, err := a.decProg.run(scale, shift)
	if err != nil {
		return nil, graph.Shape{}, fmt.Errorf("fast: AdaIN decoder at %d×%d: %w", c.w, c.h, err)
	}
	return y, a.decProg.outs[0].Shape(), nil
}

// targets returns the target std and mean of each channel: the styles'
// blended by weights, mixed by alpha with the content's.
func (a *AdaIN) targets(styles []*StyleCode, weights []float64, alpha float64, c *contentCode) (scale, shift []float32, err error) {
	switch {
	case len(styles) == 0:
		return nil, nil, errors.New("fast: AdaIN needs at least one style")
	case weights != nil && len(weights) != len(styles):
		return nil, nil, fmt.Errorf("fast: %d blend weights for %d styles", len(weights), len(styles))
	case !(alpha >= 0 && alpha <= 1):
		return nil, nil, fmt.Errorf("fast: alpha %g: want a value from 0 (the content) to 1 (all style)", alpha)
	}
	var sum float64
	for i := range styles {
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		if !(w >= 0) || math.IsInf(w, 0) {
			return nil, nil, fmt.Errorf("fast: style blend weight %g: want weights ≥ 0", w)
		}
		sum += w
	}
	if sum == 0 {
		return nil, nil, errors.New("fast: the style blend weights are all 0")
	}
	C := a.Widths[3]
	mu, sigma := make([]float64, C), make([]float64, C)
	for i, s := range styles {
		if len(s.Mean) != C || len(s.Std) != C {
			return nil, nil, fmt.Errorf("fast: style %s was encoded by another model (%d channels, want %d)", s.Name, len(s.Mean), C)
		}
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		w /= sum
		for k := range C {
			mu[k] += w * float64(s.Mean[k])
			sigma[k] += w * float64(s.Std[k])
		}
	}
	scale, shift = make([]float32, C), make([]float32, C)
	for k := range C {
		scale[k] = float32(alpha*sigma[k] + (1-alpha)*float64(c.std[k]))
		shift[k] = float32(alpha*mu[k] + (1-alpha)*float64(c.mean[k]))
	}
	return scale, shift, nil
}

// Stylize encodes content and decodes it with the styles; see Decode.
func (a *AdaIN) Stylize(content *stylize.Image, styles []*StyleCode, weights []float64, alpha float64) (*stylize.Image, error) {
	if err := a.EncodeContent(content); err != nil {
		return nil, err
	}
	return a.Decode(styles, weights, alpha)
}
