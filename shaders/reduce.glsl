// reduce.glsl: deterministic sum, dot product, sum of |x| and max of |x|.
// Work group g combines the ITEMS*L elements starting at g*ITEMS*L (thread
// t takes every L-th one from base+t, in order), then the group combines its
// L partial results as a fixed binary tree and writes out[out_offset+g]. No
// atomics: the same input gives the same bits on every run. Repeated passes
// reduce the partial results (with sum after sum, dot and asum; with maxabs
// after maxabs, as |m| = m for the partial maxima).
// L (the work-group size) must be a power of two, at most REDUCE_MAX_LOCAL
// (gpu.reduceLocalSize and vkgraph's reduceShape pick at most 256).
//
// maxabs works on the bits, never on float values: |x| is the bits with the
// sign cleared, and for those patterns unsigned order is IEEE order, with
// +Inf (0x7f800000) above every finite value and every NaN above +Inf. So
// the unsigned max of the patterns is max |x|, +Inf when an element is
// infinite and a NaN when one is NaN, whatever the compiler assumes about
// NaN and Inf. (Without the SignedZeroInfNanPreserve execution mode a
// driver may fold isnan() to false and let a float max drop a NaN; an
// integer max it cannot.)
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint ITEMS = 16;

layout(push_constant) uniform Push {
	uint n;          // elements in this pass
	uint out_offset; // element index of this pass's first partial sum
} p;

#if defined(OP_MAXABS)
layout(std430, binding = 0) readonly buffer In0 { uint x[]; };  // float bits
layout(std430, binding = 1) writeonly buffer Out { uint y[]; }; // float bits
#elif defined(OP_DOT)
layout(std430, binding = 0) readonly buffer In0 { float x[]; };
layout(std430, binding = 1) readonly buffer In1 { float z[]; };
layout(std430, binding = 2) writeonly buffer Out { float y[]; };
#elif defined(OP_SUM) || defined(OP_ASUM)
layout(std430, binding = 0) readonly buffer In0 { float x[]; };
layout(std430, binding = 1) writeonly buffer Out { float y[]; };
#else
#error "define OP_SUM, OP_DOT, OP_ASUM or OP_MAXABS"
#endif

// A fixed size rather than gl_WorkGroupSize.x: some older mobile compilers
// mis-size shared arrays whose length is a specialisation constant.
const uint REDUCE_MAX_LOCAL = 256;
#if defined(OP_MAXABS)
shared uint partial[REDUCE_MAX_LOCAL];
#else
shared float partial[REDUCE_MAX_LOCAL];
#endif

void main() {
	uint g = flat_group();
	uint L = gl_WorkGroupSize.x;
	uint base = g * ITEMS * L;
	if (base >= p.n) {
		return; // uniform across the group
	}
	uint t = gl_LocalInvocationID.x;
#if defined(OP_MAXABS)
	uint acc = 0u;
#else
	precise float acc = 0.0; // precise: the compiler may not reassociate
#endif
	for (uint k = 0; k < ITEMS; k++) {
		uint i = base + k * L + t;
		if (i < p.n) {
#if defined(OP_DOT)
			acc = fma(x[i], z[i], acc);
#elif defined(OP_ASUM)
			acc += abs(x[i]);
#elif defined(OP_MAXABS)
			acc = max(acc, x[i] & 0x7fffffffu); // |x| as bits
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
			partial[t] = max(partial[t], partial[t + s]);
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
