// Package graphtest is the conformance suite for graph.Backend
// implementations: every kernel on awkward shapes (C = 1, 3, 13; H×W =
// 1×1, 7×9, 33×17), the subgradients at kinks, a whole forward and
// backward graph, and the PyTorch goldens, compared with the reference
// backend graph/cpu under named tolerances.
//
// A device backend's tests call
//
//	func TestConformance(t *testing.T) { graphtest.TestBackend(t, newBackend(t)) }
//	func TestGoldens(t *testing.T)     { graphtest.TestGoldens(t, newBackend(t)) }
//
// Failures print the worst index and a few values. The shapes are small
// enough for a software Vulkan device.
package graphtest
