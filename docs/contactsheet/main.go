// Command contactsheet renders docs/contact-sheet.jpg: for vkstyle's own
// sample pictures and, when -images names a directory holding them, two
// pairs of the public-domain paintings and photographs of
// jcjohnson/neural-style's examples (examples/inputs: tubingen.jpg with
// starry_night.jpg, golden_gate.jpg with the_scream.jpg), one row each of
// content, style, the embedded network's result under its old defaults
// and under its new ones. It runs the vkstyle binary (-vkstyle, default
// bin/vkstyle) once per result, so it shows what a user gets.
//
//	./build.sh && go run ./docs/contactsheet -images DIR
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/vkstyle/vkstyle/stylize"
)

// oldDefaults are the embedded network's defaults before the style
// weight went from 1e5 to 1e6 (cmd/vkstyle's embeddedDefaults).
var oldDefaults = []string{"-content-layers", "relu3_1", "-content-weight", "1", "-style-weight", "1e5",
	"-tv-weight", "1e-5", "-init", "content", "-iterations", "100"}

const cell = 256

func main() {
	bin := flag.String("vkstyle", "bin/vkstyle", "the vkstyle binary")
	images := flag.String("images", "", "directory of neural-style's example inputs tubingen.jpg, starry_night.jpg, golden_gate.jpg, the_scream.jpg (without: the sample pictures' row only)")
	out := flag.String("out", "docs/contact-sheet.jpg", "the contact sheet")
	flag.Parse()
	if err := run(*bin, *images, *out); err != nil {
		fmt.Fprintln(os.Stderr, "contactsheet:", err)
		os.Exit(1)
	}
}

func run(bin, images, out string) error {
	tmp, err := os.MkdirTemp("", "contactsheet")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	content, style := filepath.Join(tmp, "content.png"), filepath.Join(tmp, "style.png")
	if err := stylize.Save(content, stylize.SampleContent(384, 288), stylize.SaveOptions{}); err != nil {
		return err
	}
	if err := stylize.Save(style, stylize.SampleStyle(384, 384), stylize.SaveOptions{}); err != nil {
		return err
	}
	pairs := [][2]string{{content, style}}
	for _, p := range [][2]string{{"tubingen.jpg", "starry_night.jpg"}, {"golden_gate.jpg", "the_scream.jpg"}} {
		if images == "" {
			break
		}
		c, s := filepath.Join(images, p[0]), filepath.Join(images, p[1])
		if _, err := os.Stat(c); err != nil {
			fmt.Fprintf(os.Stderr, "contactsheet: %s not found: its row is left out\n", c)
			continue
		}
		pairs = append(pairs, [2]string{c, s})
	}
	labels := []string{"content", "style", "old default", "new default"}
	sheet := image.NewRGBA(image.Rect(0, 0, 4*cell, len(pairs)*cell+20))
	draw.Draw(sheet, sheet.Bounds(), image.White, image.Point{}, draw.Src)
	for i, l := range labels {
		label(sheet, i*cell+6, 14, l)
	}
	for r, p := range pairs {
		var row []string
		for v, extra := range [][]string{oldDefaults, nil} {
			res := filepath.Join(tmp, fmt.Sprintf("%d-%d.png", r, v))
			args := append([]string{"render", "-model", "embedded", "-content", p[0], "-style", p[1], "-quiet", "-out", res}, extra...)
			fmt.Fprintln(os.Stderr, "contactsheet:", bin, args)
			cmd := exec.Command(bin, args...)
			cmd.Stderr = os.Stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%s %v: %v", bin, args, err)
			}
			row = append(row, res)
		}
		for c, path := range append([]string{p[0], p[1]}, row...) {
			im, err := stylize.Load(path)
			if err != nil {
				return err
			}
			place(sheet, im, c*cell, 20+r*cell)
		}
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := jpeg.Encode(f, sheet, &jpeg.Options{Quality: 88}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// place draws im fitted into the cell×cell square at (x, y).
func place(dst *image.RGBA, im *stylize.Image, x, y int) {
	w, h := stylize.FitSide(im.W, im.H, cell-8)
	src := im.Resize(w, h)
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	for py := range h {
		for px := range w {
			c := func(ch int) uint8 { return uint8(min(max(src.At(ch, px, py), 0), 1)*255 + 0.5) }
			rgba.SetRGBA(px, py, color.RGBA{c(0), c(1), c(2), 255})
		}
	}
	at := image.Rect(x+(cell-w)/2, y+(cell-h)/2, x+(cell-w)/2+w, y+(cell-h)/2+h)
	xdraw.Copy(dst, at.Min, rgba, rgba.Bounds(), xdraw.Src, nil)
}

// label writes s at (x, y) in basicfont.
func label(dst *image.RGBA, x, y int, s string) {
	d := font.Drawer{Dst: dst, Src: image.Black, Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
