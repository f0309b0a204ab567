// reduce.glsl: deterministic sum, dot product, sum of |x| and max of |x|.
// Work group g combines the ITEMS*L elements starting at g*ITEMS*L (thread
// t takes every L-th one from base+t, in order), then the group combines its
// L partial results as a fixed binary tree and writes out[out_offset+g]. No
// atomics: the same input gives the same bits on every run. Repeated passes
// reduce the partial results (with sum after sum, dot and asum; with maxabs
// after maxabs, as |m| = m for the partial maxima).
// L (the work-group size) must be a power of two.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint ITEMS = 16;

layout(push_constant) uniform Push {
	uint n;          // elements in this pass
	uint out_offset; // element index of this pass's first partial sum
} p;

layout(std430, binding = 0) readonly buffer In0 { float x[]; };
#if defined(OP_DOT)
layout(std430, binding = 1) readonly buffer In1 { float z[]; };
layout(std430, binding = 2) writeonly buffer Out { float y[]; };
#elif defined(OP_SUM) || defined(OP_ASUM) || defined(OP_MAXABS)
layout(std430, binding = 1) writeonly buffer Out { float y[]; };
#else
#error "define OP_SUM, OP_DOT, OP_ASUM or OP_MAXABS"
#endif

shared float partial[gl_WorkGroupSize.x];

#if defined(OP_MAXABS)
// maxnan is max(a, b) that returns NaN when either is NaN. GLSL's max
// leaves NaN operands undefined, so the test is explicit (OpIsNan, which
// drivers must keep exact).
float maxnan(float a, float b) {
	if (isnan(a) || isnan(b)) {
		return uintBitsToFloat(0x7fc00000u);
	}
	return max(a, b);
}
#endif

void main() {
	uint g = flat_group();
	uint L = gl_WorkGroupSize.x;
	uint base = g * ITEMS * L;
	if (base >= p.n) {
		return; // uniform across the group
	}
	uint t = gl_LocalInvocationID.x;
	precise float acc = 0.0; // precise: the compiler may not reassociate
	for (uint k = 0; k < ITEMS; k++) {
		uint i = base + k * L + t;
		if (i < p.n) {
#if defined(OP_DOT)
			acc = fma(x[i], z[i], acc);
#elif defined(OP_ASUM)
			acc += abs(x[i]);
#elif defined(OP_MAXABS)
			acc = maxnan(acc, abs(x[i]));
#else
			acc += x[i];
#endif
		}
	}
	partial[t] = acc;
	barrier();
	for (uint s = L / 2; s > 0; s >>= 1) {
		if (t < s) {
#if defined(OP_MAXABS)
			partial[t] = maxnan(partial[t], partial[t + s]);
#else
			partial[t] += partial[t + s];
#endif
		}
		barrier();
	}
	if (t == 0) {
		y[p.out_offset + g] = partial[0];
	}
}
