package fast

import (
	"strings"

	"github.com/vkstyle/vkstyle/vgg"
)

// knownNet is a network whose weight files vkstyle reads, told apart by
// their keys, and the command line that takes such a file.
type knownNet struct {
	what string                    // "an AdaIN decoder (decoder.pth)"
	is   func(*vgg.StateDict) bool // whether the file holds one
	use  string                    // "vkstyle adain -decoder"
}

var knownNets = []knownNet{
	{"a fast_neural_style TransformerNet", func(d *vgg.StateDict) bool { return d.Has("conv1.conv2d.weight") }, "vkstyle fast -model"},
	{"a VGG state dict (features.N keys)", func(d *vgg.StateDict) bool {
		return d.Has("features.0.weight") || d.Has("features.0.conv.weight")
	}, "vkstyle render -model"},
	{"an AdaIN encoder (vgg_normalised.pth)", func(d *vgg.StateDict) bool { return d.Has("0.weight") && d.Has("2.weight") }, "vkstyle adain -encoder"},
	{"an AdaIN decoder (decoder.pth)", func(d *vgg.StateDict) bool { return d.Has("1.weight") && d.Has("5.weight") }, "vkstyle adain -decoder"},
}

// misfiled explains that d is not the network wanted ("a fast_neural_style
// TransformerNet") by command ("vkstyle fast"): what it holds and where to
// give it, only the flag when that is the same command; or, for a file it
// does not recognise, what the file has.
func misfiled(d *vgg.StateDict, want, command string) string {
	for _, n := range knownNets {
		if n.is(d) {
			return n.what + ", not " + want + ": give it to " + strings.TrimPrefix(n.use, command+" ")
		}
	}
	return "not " + want + "; the file has " + d.Describe()
}
