package vgg

import (
	"strconv"
	"strings"
	"testing"
)

// TestVGGTables pins the layer tables to torchvision's features indices
// and neural-style's names.
func TestVGGTables(t *testing.T) {
	for _, c := range []struct {
		arch         *Arch
		layers, conv int
		keys         map[string]string
		last         string
	}{
		{VGG19, 37, 16, map[string]string{"conv1_1": "features.0", "conv1_2": "features.2", "conv2_1": "features.5",
			"conv3_1": "features.10", "conv3_4": "features.16", "conv4_1": "features.19", "conv4_2": "features.21",
			"conv5_1": "features.28", "conv5_4": "features.34"}, "pool5"},
		{VGG16, 31, 13, map[string]string{"conv1_1": "features.0", "conv3_3": "features.14", "conv4_1": "features.17",
			"conv4_2": "features.19", "conv5_1": "features.24", "conv5_3": "features.28"}, "pool5"},
	} {
		a := c.arch
		if len(a.Layers) != c.layers || len(a.Convs(nil)) != c.conv || a.Layers[len(a.Layers)-1].Name != c.last {
			t.Errorf("%s: %d layers, %d convs, last %s", a.Name, len(a.Layers), len(a.Convs(nil)), a.Layers[len(a.Layers)-1].Name)
		}
		for name, key := range c.keys {
			if l, ok := a.Layer(name); !ok || l.Key != key || l.Kind != Conv {
				t.Errorf("%s %s: %+v, want key %s", a.Name, name, l, key)
			}
		}
		for i, l := range a.Layers {
			// features.N is the N-th layer for every kind.
			if l.Kind == Conv && l.Key != "features."+strconv.Itoa(i) {
				t.Errorf("%s layer %d %s has key %s", a.Name, i, l.Name, l.Key)
			}
		}
	}
	l, _ := VGG19.Layer("conv5_1")
	if l.In != 512 || l.Out != 512 || l.Kernel != 3 || l.Input != "pool4" {
		t.Errorf("conv5_1 = %+v", l)
	}
	if l, _ := VGG19.Layer("conv1_1"); l.In != 3 || l.Out != 64 || l.Input != "" {
		t.Errorf("conv1_1 = %+v", l)
	}
}

func TestDeepestAndNeeded(t *testing.T) {
	d, err := VGG19.Deepest([]string{"relu1_1", "relu4_2", "relu2_1", "relu3_1"})
	if err != nil || d != "relu4_2" {
		t.Errorf("Deepest = %q, %v", d, err)
	}
	convs := VGG19.Convs([]string{"relu4_2", "relu1_1"})
	if len(convs) != 10 || convs[len(convs)-1].Name != "conv4_2" {
		t.Errorf("convs for relu4_2: %d, last %s", len(convs), convs[len(convs)-1].Name)
	}
	if _, err := VGG19.Deepest(nil); err == nil {
		t.Error("Deepest(nil) succeeded")
	}
	err = VGG19.Check([]string{"relu1_1", "relu6_1"})
	if err == nil || !strings.Contains(err.Error(), `"relu6_1"`) || !strings.Contains(err.Error(), "conv1_1") {
		t.Errorf("Check: %v", err)
	}
	// The random network's pyramid: relu5_1 needs the image pools but no
	// other filters.
	need := RandomArch.Needed([]string{"relu5_1"})
	var got []string
	for i, n := range need {
		if n {
			got = append(got, RandomArch.Layers[i].Name)
		}
	}
	if strings.Join(got, " ") != "blur1 pool1 blur2 pool2 blur3 pool3 blur4 pool4 conv5_1 relu5_1" {
		t.Errorf("random relu5_1 needs %v", got)
	}
}

func TestNewArchErrors(t *testing.T) {
	for _, c := range []struct {
		layers []Layer
		want   string
	}{
		{[]Layer{{Name: "a", Kind: ReLU, In: 3, Out: 3}, {Name: "a", Kind: ReLU, In: 3, Out: 3}}, "two layers named a"},
		{[]Layer{{Name: "a", Kind: ReLU, Input: "b", In: 3, Out: 3}}, "does not come before"},
		{[]Layer{{Name: "a", Kind: Conv, In: 4, Out: 8, Kernel: 3}}, "input has 3"},
		{[]Layer{{Name: "a", Kind: Conv, In: 3, Out: 8, Kernel: 2}}, "odd kernel"},
		{[]Layer{{Name: "a", Kind: Pool, In: 3, Out: 4}}, "changes channels"},
	} {
		if _, err := NewArch("x", c.layers); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.layers, err, c.want)
		}
	}
	if _, err := NewVGG("x", []int{4, -1}); err == nil {
		t.Error("negative channels accepted")
	}
	if _, err := ArchByName("resnet50"); err == nil {
		t.Error("ArchByName(resnet50) succeeded")
	}
}
