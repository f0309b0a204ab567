#version 450
// dots: a's dot products with K vectors at once, as partial sums (the
// first pass of gpu.Batch.DotsTo; rowsum adds each vector's partials).
// Work group g takes the ITEMS·L elements from g·ITEMS·L on, as reduce's
// first pass does: thread t adds a[i]·v_j[i] for every L-th i from
// base + t, in order, through fma, then the group adds its L sums as a
// fixed binary tree. Neither depends on j nor on which other vectors are
// bound, and fma(x, y, z) = fma(y, x, z): a's product with b has the bits
// of b's with a.
// Bindings: a, v0 … v(K−1), out. out[out_offset + j·stride + g] is
// vector j's partial for group g; vectors j ≥ count are not read.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#ifndef K
#define K 2 // the minimum limits' 4 storage buffers
#endif
#define VEC_BASE 1
#include "vectors.glsl"

layout(constant_id = 1) const uint ITEMS = 16;

layout(push_constant) uniform Push {
	uint n;          // elements in this chunk
	uint count;      // vectors that count, at most K
	uint stride;     // distance in out between two vectors' partials
	uint out_offset; // where vector 0's partial of group 0 goes
} p;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = K + 1) writeonly buffer Out { float y[]; };

// A fixed size, as in reduce.glsl: at most 256 invocations a group.
const uint MAX_LOCAL = 256;
shared float partial[K * MAX_LOCAL];

void main() {
	uint g = flat_group();
	uint L = gl_WorkGroupSize.x;
	uint base = g * ITEMS * L;
	if (base >= p.n) {
		return; // uniform across the group
	}
	uint t = gl_LocalInvocationID.x;
	// a[i] is read once for all K vectors; each vector's sum is its own
	// chain of fma, in the order of i, whatever the others.
	precise float acc[K]; // precise: the compiler may not reassociate
	for (uint j = 0; j < K; j++) {
		acc[j] = 0.0;
	}
	for (uint k = 0; k < ITEMS; k++) {
		uint i = base + k * L + t;
		if (i < p.n) {
			float ai = a[i];
			// Every slot is read (unused ones repeat a vector that
			// counts); only the vectors that count are written.
			for (uint j = 0; j < K; j++) {
				acc[j] = fma(ai, vec_at(j, i), acc[j]);
			}
		}
	}
	for (uint j = 0; j < K; j++) {
		partial[j * MAX_LOCAL + t] = acc[j];
	}
	barrier();
	for (uint s = L / 2; s > 0; s >>= 1) {
		if (t < s) {
			for (uint j = 0; j < K; j++) {
				partial[j * MAX_LOCAL + t] += partial[j * MAX_LOCAL + t + s];
			}
		}
		barrier();
	}
	if (t == 0) {
		for (uint j = 0; j < K; j++) {
			if (j < p.count) {
				y[p.out_offset + j * p.stride + g] = partial[j * MAX_LOCAL];
			}
		}
	}
}
