// Package stylize is vkstyle's style-transfer loop: images in and out,
// colour handling, the losses of Gatys, Ecker & Bethge (2015), targets,
// multi-scale schedules and checkpoints, on top of graph (the network and
// its gradients), vgg (the feature networks) and optim (L-BFGS, Adam).
package stylize
