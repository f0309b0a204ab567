#version 450
// axpy_norm: dx[i] += g[i]·w/(norm[0] + w·eps) over the first n elements,
// the backward of graph.NormalizeGrad. norm is a 1-element buffer holding
// the L1 norm of the whole of g (the asum reduction), so every chunk of a
// split tensor uses the same scale.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(push_constant) uniform Push {
	uint n;    // elements in this dispatch
	float w;   // weight
	float eps; // added to the norm, scaled by w
} p;

layout(std430, binding = 0) readonly buffer G { float g[]; };
layout(std430, binding = 1) readonly buffer Norm { float norm[]; };
layout(std430, binding = 2) buffer DX { float dx[]; };

void main() {
	uint i = flat_index();
	if (i >= p.n) {
		return;
	}
	precise float s = p.w / (norm[0] + p.w * p.eps);
	// precise: not contracted or reordered. fma() is one rounding on lavapipe;
	// Vulkan lets a GPU round the product and the sum separately.
	precise float r = fma(g[i], s, dx[i]);
	dx[i] = r;
}
