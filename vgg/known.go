package vgg

import (
	"fmt"
	"strings"
)

// File is a weight file vkstyle knows how to fetch and check.
type File struct {
	Model  string   // architecture: "vgg19" or "vgg16"
	Source string   // "torchvision", "timm" or "caffe": what -source selects
	Name   string   // file name in the cache directory
	URLs   []string // mirrors, tried in order
	// Size is the size in bytes of the published file, or 0 if unknown.
	Size int64
	// SHA256 is the published file's SHA-256 in lower-case hex: all 64
	// digits, or a prefix (at least 8) when only that is known, or "" when
	// nothing is (FeaturesOnly files, whose bytes vkstyle writes itself).
	SHA256     string
	Convention Convention // the input preprocessing the weights expect
	// FeaturesOnly marks a safetensors source from which Fetch downloads
	// only the header and the features.* tensors, by HTTP Range requests,
	// and writes them as a smaller safetensors file called Name.
	FeaturesOnly bool
	// Arch is the architecture Fetch checks a FeaturesOnly header
	// against; nil means ArchByName(Model).
	Arch *Arch
	// Provenance says where the URL, size and hash come from and how far
	// they are verified.
	Provenance string
	// Keys, for a network other than VGG (the AdaIN files, which package
	// fast reads), are tensors whose presence checks the file's structure
	// instead of loading it as a VGG.
	Keys []string
}

// known is the one table of weight files: URLs, sizes and hashes. Nothing
// here has been downloaded from this repository's build machines (they
// have no network); see each Provenance.
var known = []File{
	{
		Model: "vgg19", Source: "torchvision", Name: "vgg19-dcbb9e9d.pth",
		URLs:       []string{"https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"},
		Size:       574673361,
		SHA256:     "dcbb9e9dad569fff7a846263a77324fc34978fea2bfb039c012d710e1776ae44",
		Convention: Torchvision,
		Provenance: "URL from torchvision/models/vgg.py (VGG19_Weights.IMAGENET1K_V1); size from download logs " +
			"(574673361/574673361) and full SHA-256 from third-party manifests, consistent with the dcbb9e9d in the name; " +
			"not checked against the file by vkstyle's authors",
	},
	{
		Model: "vgg16", Source: "torchvision", Name: "vgg16-397923af.pth",
		URLs:       []string{"https://download.pytorch.org/models/vgg16-397923af.pth"},
		Size:       553433881,
		SHA256:     "397923af8e79cdbb6a7127f12361acd7a2f83e06b05044ddf496e83de57a5bf0",
		Convention: Torchvision,
		Provenance: "URL from torchvision/models/vgg.py (VGG16_Weights.IMAGENET1K_V1); size from download logs " +
			"(553433881/553433881) and full SHA-256 from a third-party manifest, consistent with the 397923af in the name; " +
			"not checked against the file by vkstyle's authors",
	},
	{
		Model: "vgg19", Source: "timm", Name: "vgg19-tv_in1k-features.safetensors",
		URLs:         []string{"https://huggingface.co/timm/vgg19.tv_in1k/resolve/main/model.safetensors"},
		Convention:   Torchvision,
		FeaturesOnly: true,
		Provenance: "Hugging Face model timm/vgg19.tv_in1k (\"original torchvision weights\", model card); keys " +
			"features.N.* as in timm/models/vgg.py; the full file is about 575 MB, of which the features are 80 MB; " +
			"no published hash of the features, so only the header's names, dtypes and shapes are checked",
	},
	{
		Model: "vgg16", Source: "timm", Name: "vgg16-tv_in1k-features.safetensors",
		URLs:         []string{"https://huggingface.co/timm/vgg16.tv_in1k/resolve/main/model.safetensors"},
		Convention:   Torchvision,
		FeaturesOnly: true,
		Provenance: "Hugging Face model timm/vgg16.tv_in1k, assumed by analogy with vgg19.tv_in1k (timm names it; " +
			"the URL is unverified); header names, dtypes and shapes checked, no hash",
	},
	{
		Model: "vgg19", Source: "caffe", Name: "vgg19-d01eb7cb.pth",
		URLs: []string{
			"https://web.eecs.umich.edu/~justincj/models/vgg19-d01eb7cb.pth",
			"https://s3-us-west-2.amazonaws.com/jcjohns-models/vgg19-d01eb7cb.pth",
		},
		SHA256:     "d01eb7cb",
		Convention: Caffe,
		Provenance: "converted from Caffe by jcjohnson/pytorch-vgg (README: S3 URL, BGR in [0, 255] minus the mean " +
			"pixel), which names the file after the first 8 hex digits of its sha256sum (t7_to_state_dict.py); " +
			"umich URL from ProGamerGov/neural-style-pt models/download_models.py; keys are torchvision's features.N; " +
			"full hash and size unknown. neural-style-pt's script re-saves the file under the same name after renaming " +
			"classifier keys, so a copy made by it loads but does not match the hash",
	},
	{
		Model: "vgg16", Source: "caffe", Name: "vgg16-00b39a1b.pth",
		URLs: []string{
			"https://web.eecs.umich.edu/~justincj/models/vgg16-00b39a1b.pth",
			"https://s3-us-west-2.amazonaws.com/jcjohns-models/vgg16-00b39a1b.pth",
		},
		SHA256:     "00b39a1b",
		Convention: Caffe,
		Provenance: "as vgg19-d01eb7cb.pth: jcjohnson/pytorch-vgg (S3 URL, hash prefix from sha256sum) and " +
			"neural-style-pt's download_models.py (umich URL); full hash and size unknown",
	},
	{
		Model: "adain-encoder", Source: "naoto0804", Name: "vgg_normalised.pth",
		URLs: []string{
			"https://github.com/naoto0804/pytorch-AdaIN/releases/download/v0.0.0/vgg_normalised.pth",
			"https://docs.google.com/uc?export=download&id=108uza-dsmwvbW2zv-G73jtVcMU_2Nb7Y",
		},
		Keys: []string{"0.weight", "2.weight", "29.weight"},
		Provenance: "AdaIN's encoder (Huang & Belongie's vgg_normalised converted by naoto0804/pytorch-AdaIN, whose " +
			"test.py reads it); release URL as that README links it, remembered, not checked from here; Google Drive " +
			"id from davidbau/dissect's download_models.sh; size and hash unknown: only the keys are checked",
	},
	{
		Model: "adain-decoder", Source: "naoto0804", Name: "decoder.pth",
		URLs: []string{
			"https://github.com/naoto0804/pytorch-AdaIN/releases/download/v0.0.0/decoder.pth",
			"https://docs.google.com/uc?export=download&id=1w9r1NoYnn7tql1VYG3qDUzkbIks24RBQ",
		},
		Keys: []string{"1.weight", "28.weight"},
		Provenance: "AdaIN's decoder trained by naoto0804/pytorch-AdaIN; URLs as for vgg_normalised.pth, equally " +
			"unverified; size and hash unknown: only the keys are checked",
	},
}

// Known returns a copy of the table of known weight files, in the order
// Fetch tries them: torchvision, timm, Caffe.
func Known() []File {
	out := make([]File, len(known))
	copy(out, known)
	for i := range out {
		out[i].URLs = append([]string(nil), out[i].URLs...)
	}
	return out
}

// KnownFiles returns the known files of model ("vgg19" or "vgg16"),
// restricted to the given sources in the given order if any are named
// ("torchvision", "timm", "caffe").
func KnownFiles(model string, sources ...string) ([]File, error) {
	var all []File
	for _, f := range Known() {
		if f.Model == strings.ToLower(model) {
			all = append(all, f)
		}
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("vgg: no known weight files for %q: want vgg19, vgg16, adain-encoder or adain-decoder", model)
	}
	if len(sources) == 0 {
		return all, nil
	}
	var out []File
	for _, s := range sources {
		found := false
		for _, f := range all {
			if f.Source == s {
				out, found = append(out, f), true
			}
		}
		if !found {
			var names []string
			for _, f := range all {
				names = append(names, f.Source)
			}
			return nil, fmt.Errorf("vgg: no %s source for %s: want one of %s", s, model, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// knownByName returns the known file called name.
func knownByName(name string) (File, bool) {
	for _, f := range known {
		if f.Name == name {
			return f, true
		}
	}
	return File{}, false
}

// arch returns the architecture f holds.
func (f File) arch() (*Arch, error) {
	if f.Arch != nil {
		return f.Arch, nil
	}
	return ArchByName(f.Model)
}
