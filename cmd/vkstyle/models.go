package main

import (
	"fmt"
	"strings"

	"github.com/vkstyle/vkstyle/stylize"
	"github.com/vkstyle/vkstyle/vgg"
)

// resolveModel loads the network -model and -weights name, with -pooling.
// With no -model it takes VGG19 when its weights are cached and the
// embedded network otherwise, and says so in note.
func resolveModel(name, weights, pooling, preprocess string) (m *stylize.NetModel, note string, err error) {
	conv, err := parsePreprocess(preprocess)
	if err != nil {
		return nil, "", err
	}
	var pool vgg.Pooling
	if pooling != "" {
		if pool, err = vgg.ParsePooling(pooling); err != nil {
			return nil, "", fmt.Errorf("-pooling %q: give max, avg or l2", pooling)
		}
	}
	name = strings.ToLower(name)
	if name == "" {
		switch {
		case weights != "":
			name = "vgg19"
		default:
			if _, err := vgg.Locate("vgg19"); err == nil {
				name = "vgg19"
			} else {
				name = "embedded"
				note = "no VGG19 weights are cached, so this run uses the embedded random-filter network (colour and texture only); `vkstyle weights fetch vgg19` gets the real ones"
			}
		}
	}
	var n *vgg.Net
	switch name {
	case "embedded":
		if weights != "" {
			return nil, "", fmt.Errorf("-weights %s: the embedded model has no weight file; use -model vgg19 or vgg16", weights)
		}
		if conv != nil {
			return nil, "", fmt.Errorf("-preprocess %s: the embedded model has its own preprocessing; -preprocess is for VGG weights (-model vgg19 or vgg16)", preprocess)
		}
		n = vgg.NewRandom(0)
	case "vgg19", "vgg16":
		arch, _ := vgg.ArchByName(name)
		if weights == "" {
			if n, err = vgg.LoadModel("", name, nil); err != nil {
				return nil, "", err
			}
		} else if n, err = vgg.Load(weights, arch, nil); err != nil {
			return nil, "", err
		}
	default:
		return nil, "", fmt.Errorf("-model %q: use vgg19, vgg16 or embedded", name)
	}
	if conv != nil {
		n.Convention = *conv
	}
	if pooling != "" { // else the model's own: max for VGG (neural-style's default), average for the embedded pyramid
		n.Pooling = pool
	}
	return stylize.FromNet(name, n), note, nil
}

// parsePreprocess reads -preprocess: nil for auto (the convention Load
// chooses from the file), else torchvision's or Caffe's.
func parsePreprocess(s string) (*vgg.Convention, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return nil, nil
	case "torchvision":
		return &vgg.Torchvision, nil
	case "caffe":
		return &vgg.Caffe, nil
	}
	return nil, fmt.Errorf("-preprocess %q: give auto, torchvision or caffe", s)
}
