package preview

import (
	"errors"
	"time"

	"github.com/vkstyle/vkstyle/stylize"
	"github.com/vkstyle/vkstyle/vgg"
)

// Feed is a feed-forward model (AdaIN, a fast_neural_style network) that
// a Session runs instead of an optimisation: every change of content,
// style or alpha is one pass, shown as soon as it is computed.
type Feed interface {
	// Render returns the result for content, the styles blended by blend
	// (nil: equal) and alpha (0: the content, 1: all style); a model
	// without styles or alpha ignores them. It is called with the same
	// images again after an alpha change, so it may keep what it
	// computed from them.
	Render(content *stylize.Image, styles []*stylize.Image, blend []float64, alpha float64) (*stylize.Image, error)
	// TakesStyle reports whether the model takes a style image: if not,
	// a dropped file is always the new content.
	TakesStyle() bool
}

// AlphaStep is how much one press of + or - changes a feed-forward
// model's alpha.
const AlphaStep = 0.1

// FeedConvention is the display convention of a feed-forward model's
// results: RGB in [0, 1] as they are.
var FeedConvention = vgg.Convention{Name: "rgb", Scale: 1, Std: [3]float64{1, 1, 1}}

// feedWork is the worker of a feed-forward session: a pass, then the
// result shown until the user changes something, until the user quits.
// A pass that fails on a dropped image is logged and the last result
// stays; a failure of the first pass ends the session.
func (s *session) feedWork() error {
	var last *stylize.Image
	for {
		s.mu.Lock()
		alpha := s.alpha
		s.mu.Unlock()
		start := time.Now()
		im, err := s.Feed.Render(s.content, s.styles, s.blend, alpha)
		switch {
		case err != nil && last == nil:
			return err
		case err != nil:
			s.logf("%v", err)
			im = last
		default:
			last = im
			s.mu.Lock()
			s.stats.Iterations++
			s.stats.Running += time.Since(start)
			s.lastPass = time.Since(start)
			s.mu.Unlock()
		}
		switch err := s.idle(im); {
		case errors.Is(err, errQuit):
			return s.quit(im)
		case errors.Is(err, errRestart), errors.Is(err, errRestyle):
		default:
			return err
		}
	}
}

// changeAlpha moves alpha by d within [0, 1].
func (s *session) changeAlpha(d float64) {
	s.mu.Lock()
	s.alpha = min(1, max(0, s.alpha+d))
	a := s.alpha
	s.mu.Unlock()
	s.logf("alpha %.1f", a)
}
