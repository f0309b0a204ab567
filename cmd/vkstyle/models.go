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
func resolveModel(name, weights, pooling string) (m *stylize.NetModel, note string, err error) {
	var pool vgg.Pooling
	if pooling != "" {
		if pool, err = vgg.ParsePooling(pooling); err != nil {
			return nil, "", fmt.Errorf("-pooling: %v", err)
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
	if pooling != "" { // else the model's own: max for VGG (neural-style's default), average for the embedded pyramid
		n.Pooling = pool
	}
	return stylize.FromNet(name, n), note, nil
}
