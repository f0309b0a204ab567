package main

import "fmt"

// checkStyleLoss checks a -style-loss value, as render, preview and bench
// take it.
func checkStyleLoss(v string) error {
	switch v {
	case "gram", "sw", "w2":
		return nil
	}
	return fmt.Errorf("-style-loss %q: give gram, sw or w2", v)
}

// styleLossWeight is the -style-weight a style loss takes by default on a
// model, or "" for the model's own default (the Gram loss's).
//
// The Wasserstein losses are of the size of the features squared, where a
// Gram loss is of their fourth power over the channels². The sliced loss
// is the mean squared difference of sorted projections: on the embedded
// network a weight of 20 starts it where a Gram weight of 1e5 starts the
// Gram loss (the sample pictures carry their strokes within 30
// iterations); on VGG, Heitz et al.'s weight of 1. The Wasserstein-2 loss
// at 3 on the embedded network transfers about as much of the sample
// style in 100 iterations as the Gram default (docs/BENCHMARKS.md); on
// VGG, crowsonkb's total style weight of 1 (untuned here).
func styleLossWeight(model, loss string) string {
	switch {
	case loss != "sw" && loss != "w2":
		return ""
	case model != "embedded":
		return "1"
	case loss == "sw":
		return "20"
	}
	return "3"
}
