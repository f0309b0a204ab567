#version 450
// adam: one fused Adam update (torch.optim.Adam, single-tensor path), in
// float32 with the operation order of optim.Float32Space.Adam, each
// operation rounded (precise: no fused multiply-add). Bit-for-bit
// agreement with the host holds on lavapipe; on a GPU Vulkan allows 2.5 ulp
// for the division and 3 for sqrt, so the results differ in the last bits:
//
//	g' = g + wd*x                  (only if wd != 0)
//	m  = β1*m + (1-β1)*g'
//	v  = β2*v + ((1-β2)*g')*g'
//	x  = x + (-step) * (m / (sqrt(v)/bc2 + ε))
//
// Bindings: g (read), then m, v, x (read and written). The scalars are the
// host's float64 values rounded to float32, 1-β1 and 1-β2 included.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(push_constant) uniform Push {
	uint n;         // elements
	float beta1;    // β1
	float beta2;    // β2
	float c1;       // 1-β1
	float c2;       // 1-β2
	float wd;       // weight decay
	float eps;      // ε
	float bc2;      // sqrt(1-β2^t)
	float neg_step; // -lr/(1-β1^t)
} p;

layout(std430, binding = 0) readonly buffer G { float g[]; };
layout(std430, binding = 1) buffer M { float m[]; };
layout(std430, binding = 2) buffer V { float v[]; };
layout(std430, binding = 3) buffer X { float x[]; };

void main() {
	uint i = flat_index();
	if (i >= p.n) {
		return;
	}
	float xi = x[i];
	precise float gi = g[i];
	if (p.wd != 0.0) {
		gi = gi + p.wd * xi;
	}
	precise float mi = p.beta1 * m[i] + p.c1 * gi;
	precise float vi = p.beta2 * v[i] + (p.c2 * gi) * gi;
	precise float denom = sqrt(vi) / p.bc2 + p.eps;
	precise float xn = xi + p.neg_step * (mi / denom);
	m[i] = mi;
	v[i] = vi;
	x[i] = xn;
}
