package vgg

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Models lists the model names LoadModel accepts ("random" is another
// name for "embedded").
var Models = []string{"vgg19", "vgg16", "embedded"}

// LoadModel returns the network called model, loaded for the given
// layers (nil: all of them): "vgg19" or "vgg16" from the first known
// weight file in dir (DefaultDir if dir is empty; see LocateIn), or
// "embedded", the offline network of NewRandom(0), which needs no file.
// Without weights the error says how to fetch them.
func LoadModel(dir, model string, layers []string) (*Net, error) {
	switch m := strings.ToLower(model); m {
	case "embedded", "random":
		n := NewRandom(0)
		if err := n.Check(layers); err != nil {
			return nil, err
		}
		return n, nil
	case "vgg19", "vgg16":
		arch, _ := ArchByName(m)
		if err := arch.Check(layers); err != nil {
			return nil, err
		}
		var path string
		var err error
		if dir == "" {
			path, err = Locate(m)
		} else {
			path, err = LocateIn(dir, m)
		}
		if err != nil {
			return nil, err
		}
		n, err := Load(path, arch, layers)
		if err != nil {
			return nil, fmt.Errorf("%w; the cached file is damaged: `vkstyle weights verify %s` checks it, or delete %s and run `vkstyle weights fetch %s`",
				err, filepath.Base(path), path, m)
		}
		return n, nil
	}
	return nil, fmt.Errorf("vgg: unknown model %q: want %s", model, strings.Join(Models, ", "))
}
