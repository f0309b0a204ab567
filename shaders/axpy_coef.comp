#version 450
// axpy_coef: y[i] += c·x[i], where the coefficient c = w1·s[i1] + w2·s[i2]
// is read from a small buffer of scalars s that earlier kernels wrote (dot
// products), so that L-BFGS's two-loop recursion can run without a round
// trip to the host between a dot product and the axpy it scales
// (optim.Space.AxpyCoef). The w2 term is left out when w2 is 0, so that a
// non-finite s[i2] does not matter then.
// Bindings: x (read), s (read), y (read-write). Push constants: n, i1, i2,
// w1, w2. Each invocation updates ITEMS elements, a work group's width
// apart (neighbouring invocations touch neighbouring elements), so that
// the load of c is shared: lavapipe loads it lane by lane, which cost as
// much as the axpy when every element paid for it.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#define ITEMS 16

layout(push_constant) uniform Push {
	uint n;
	uint i1;
	uint i2;
	float w1;
	float w2;
} p;

layout(std430, binding = 0) readonly buffer In0 { float x[]; };
layout(std430, binding = 1) readonly buffer Scalars { float s[]; };
layout(std430, binding = 2) buffer Out { float y[]; };

void main() {
	uint base = flat_group() * gl_WorkGroupSize.x * ITEMS + gl_LocalInvocationID.x;
	// precise: each product and the sum rounded on its own, on any device,
	// so every invocation and optim.Float32Space get the same c.
	precise float c = p.w1 * s[p.i1];
	if (p.w2 != 0.0) {
		c = c + p.w2 * s[p.i2];
	}
	for (uint k = 0; k < ITEMS; k++) {
		uint i = base + k * gl_WorkGroupSize.x;
		if (i < p.n) {
			// As axpy: one rounding on lavapipe; a GPU may round the
			// product first.
			precise float r = fma(c, x[i], y[i]);
			y[i] = r;
		}
	}
}
