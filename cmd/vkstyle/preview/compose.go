package preview

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/shaders"
	"github.com/vkstyle/vkstyle/stylize"
	"github.com/vkstyle/vkstyle/vgg"
)

// ThumbSide is the longer side, in pixels, at which the content and style
// thumbnails are kept on the device.
const ThumbSide = 192

// pushWords is the size of the present kernel's push constants in 32-bit
// words (shaders/present.comp).
const pushWords = 21

// Composer draws preview frames on the device with the present kernel:
// the image being optimised, deprocessed with the model's convention and
// letterboxed (see Layout), beside thumbnails of the content and style.
type Composer struct {
	dev *gpu.Device
	k   *gpu.Kernel

	// OriginalColours shows the image with the content's colours (the
	// result's luma, the content's chroma), like -original-colors.
	OriginalColours bool

	content        *stylize.Image
	full           *gpu.Buffer // the content at fullW×fullH, for OriginalColours
	fullW, fullH   int
	cthumb, sthumb *stylize.Image // the thumbnails, kept to upload them together
	thumbs         *gpu.Buffer    // cthumb's samples, then sthumb's
	cw, ch, sw, sh int
}

// NewComposer builds the present kernel for images in the input space of
// conv (vgg.Convention) on dev.
func NewComposer(dev *gpu.Device, conv vgg.Convention) (*Composer, error) {
	code, err := shaders.Code("present")
	if err != nil {
		return nil, err
	}
	a, b, ch := deprocessAffine(conv)
	spec := make([]uint32, 0, 9)
	for _, v := range a {
		spec = append(spec, math.Float32bits(v))
	}
	for _, v := range b {
		spec = append(spec, math.Float32bits(v))
	}
	for _, v := range ch {
		spec = append(spec, uint32(v))
	}
	k, err := dev.Kernel(gpu.KernelSpec{Name: "present", Code: code, Bindings: 4, PushSize: 4 * pushWords, Spec: spec})
	if err != nil {
		return nil, err
	}
	return &Composer{dev: dev, k: k}, nil
}

// deprocessAffine inverts conv.Affine per RGB channel r:
// rgb[r] = x[ch[r]]·a[r] + b[r], x being the network input.
func deprocessAffine(conv vgg.Convention) (a, b [3]float32, ch [3]int) {
	scale, offset, src := conv.Affine()
	for n := range 3 {
		r := src[n]
		ch[r] = n
		a[r] = 1 / scale[n]
		b[r] = -offset[n] / scale[n]
	}
	return a, b, ch
}

// SetContent sets the content image: its thumbnail now, and, for original
// colours, a copy at the image's size when a frame first needs it.
func (c *Composer) SetContent(im *stylize.Image) error {
	c.cthumb = thumbnail(im)
	c.content = im
	c.fullW, c.fullH = 0, 0 // stale
	return c.uploadThumbs()
}

// SetStyle sets the style thumbnail.
func (c *Composer) SetStyle(im *stylize.Image) error {
	c.sthumb = thumbnail(im)
	return c.uploadThumbs()
}

// thumbnail is im resized to ThumbSide.
func thumbnail(im *stylize.Image) *stylize.Image {
	w, h := im.W, im.H
	if max(w, h) > ThumbSide {
		w, h = stylize.FitSide(w, h, ThumbSide)
	}
	return im.Resize(w, h)
}

// uploadThumbs writes the thumbnails set so far into one device buffer,
// the content's first: the present kernel binds them as one.
func (c *Composer) uploadThumbs() error {
	both := &stylize.Image{}
	c.cw, c.ch, c.sw, c.sh = 0, 0, 0, 0
	if c.cthumb != nil {
		both.Pix = append(both.Pix, c.cthumb.Pix...)
		c.cw, c.ch = c.cthumb.W, c.cthumb.H
	}
	if c.sthumb != nil {
		both.Pix = append(both.Pix, c.sthumb.Pix...)
		c.sw, c.sh = c.sthumb.W, c.sthumb.H
	}
	buf, _, _, err := c.upload("thumbnails", both, c.thumbs)
	c.thumbs = buf
	return err
}

// upload writes im's samples to a new device buffer, closing old.
func (c *Composer) upload(name string, im *stylize.Image, old *gpu.Buffer) (*gpu.Buffer, int, int, error) {
	if old != nil {
		old.Close()
	}
	buf, err := c.dev.NewBuffer(name, uint64(4*len(im.Pix)))
	if err != nil {
		return nil, 0, 0, err
	}
	if err := buf.WriteFloat32(0, im.Pix); err != nil {
		buf.Close()
		return nil, 0, 0, err
	}
	return buf, im.W, im.H, nil
}

// Layout is where Record draws an image of w×h in a frame of fw×fh.
func (c *Composer) Layout(fw, fh, w, h int) Frame {
	return Layout(fw, fh, w, h, c.cw, c.ch, c.sw, c.sh)
}

// Prepare uploads what Record needs for an image of w×h (the content at
// that size, for OriginalColours). Record calls it too, but where frames
// are recorded on another goroutine than the one that computes, call it
// on the computing one after SetContent and whenever the size changes:
// uploads use the device's own command buffers.
func (c *Composer) Prepare(w, h int) error {
	if c.content == nil {
		return fmt.Errorf("preview: Prepare before SetContent")
	}
	if c.fullW == w && c.fullH == h {
		return nil
	}
	buf, _, _, err := c.upload("content at the image's size", c.content.Resize(w, h), c.full)
	c.full = buf
	if err != nil {
		return err
	}
	c.fullW, c.fullH = w, h
	return nil
}

// Record records the frame of image x (3×h×w floats in the network's
// input space) into f. SetContent must have been called; without
// SetStyle (a model without a style image) the style thumbnail is empty.
func (c *Composer) Record(f *gpu.Frame, x gpu.Binding, w, h int) error {
	if c.cthumb == nil || c.thumbs == nil {
		return fmt.Errorf("preview: Record before SetContent")
	}
	if x.Size < uint64(12*w*h) {
		return fmt.Errorf("preview: image buffer of %d bytes for %d×%d", x.Size, w, h)
	}
	if err := c.Prepare(w, h); err != nil {
		return err
	}
	l := c.Layout(f.Width, f.Height, w, h)
	var flags uint32
	if f.BGRA {
		flags |= 1
	}
	if c.OriginalColours {
		flags |= 2
	}
	words := []uint32{uint32(f.Width * f.Height), uint32(f.Width), flags,
		uint32(w), uint32(h), uint32(c.cw), uint32(c.ch), uint32(c.sw), uint32(c.sh)}
	for _, r := range []Rect{l.Image, l.Content, l.Style} {
		words = append(words, uint32(int32(r.X)), uint32(int32(r.Y)), uint32(int32(r.W)), uint32(int32(r.H)))
	}
	push := make([]byte, 4*len(words))
	for i, v := range words {
		binary.LittleEndian.PutUint32(push[4*i:], v)
	}
	x.Size = uint64(12 * w * h)
	return f.Batch.Dispatch1D(c.k, uint64(f.Width*f.Height), push,
		x, c.full.Range(0, uint64(12*w*h)), c.thumbs.All(), f.Pixels)
}

// Close frees the composer's buffers (the kernel belongs to the device).
// It is safe to call twice.
func (c *Composer) Close() error {
	for _, b := range []**gpu.Buffer{&c.full, &c.thumbs} {
		if *b != nil {
			(*b).Close()
			*b = nil
		}
	}
	return nil
}
