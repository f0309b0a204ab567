// Package tinyvgg holds the one copy of the layer table of the tiny VGG19
// fixtures (testdata/tiny19.*, written by vgg/testdata/make_fixtures.py):
// VGG19's with every layer's channels divided by 16. Other packages use it
// as vggtest.Tiny19; package vgg's own tests, which cannot import vggtest
// (it imports vgg), read it here.
package tinyvgg

// Config is the tiny VGG19's vgg.NewVGG configuration: output channels
// per convolution, 0 for a pooling layer (4, 4, 8, 8, 16×4, 32×4, 32×4).
func Config() []int {
	return []int{4, 4, 0, 8, 8, 0, 16, 16, 16, 16, 0, 32, 32, 32, 32, 0, 32, 32, 32, 32, 0}
}
