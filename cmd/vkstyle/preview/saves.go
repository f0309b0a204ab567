package preview

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vkstyle/vkstyle/stylize"
)

// Saving, on the worker: snapshots of the image shown and the final image.

// current is the image shown, on the host, with original colours when
// they are on.
func (s *session) current() (*stylize.Image, error) {
	s.mu.Lock()
	im := s.final
	s.mu.Unlock()
	if im == nil {
		if s.gx == nil {
			return nil, errors.New("no image yet")
		}
		x := make([]float32, s.gx.Len())
		if err := s.Engine.Backend().Download(s.gx, x); err != nil {
			return nil, err
		}
		im = s.Model.Deprocess(x, s.w, s.h)
	}
	return s.coloured(im), nil
}

func (s *session) coloured(im *stylize.Image) *stylize.Image {
	if !s.colours.Load() {
		return im
	}
	return stylize.KeepColours(im, s.content.Resize(im.W, im.H))
}

// snapshot saves the image shown as the next free <base>_snapshot<N>.
func (s *session) snapshot() error {
	im, err := s.current()
	if err != nil {
		return err
	}
	path := SnapshotPath(s.SnapshotBase)
	if err := stylize.Save(path, im, s.Save); err != nil {
		return err
	}
	s.logf("saved snapshot %s", path)
	return nil
}

// SnapshotPath is the first <base>_snapshot<N><ext> (N from 1) that does
// not exist yet, ext being base's extension (.png when it has none).
func SnapshotPath(base string) string {
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	if ext == "" {
		ext = ".png"
	}
	for n := 1; ; n++ {
		p := fmt.Sprintf("%s_snapshot%d%s", stem, n, ext)
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return p
		}
	}
}

// quit saves im to Out when set.
func (s *session) quit(im *stylize.Image) error {
	if im == nil || s.Out == "" {
		return nil
	}
	return s.saveFinal(im)
}

func (s *session) saveFinal(im *stylize.Image) error {
	if err := stylize.Save(s.Out, s.coloured(im), s.Save); err != nil {
		return err
	}
	s.logf("wrote %s (%d×%d)", s.Out, im.W, im.H)
	return nil
}
