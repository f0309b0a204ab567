#version 450
// dots: the dot products of A vectors a0 … a(A−1) with K vectors v0 …
// v(K−1) at once, as partial sums (the first pass of gpu.Batch.DotsTo;
// rowsum adds each pair's partials). Each vector is read once for all its
// products. Work group g takes the ITEMS·L elements from g·ITEMS·L on:
// thread t adds a[i]·v[i] for every L-th i from base + t, in order,
// through fma, then the group adds its L sums as a fixed binary tree. The
// order depends on neither the pair's place in the dispatch nor on the
// other vectors bound, and fma(x, y, z) = fma(y, x, z): a's product with b
// has the bits of b's with a, whichever of the two is an a.
// Bindings: a0 … a(A−1), v0 … v(K−1), out. The partial of a_p with v_j for
// group g goes to out[out_offset + p·a_stride + j·stride + g]; slots past
// acount and count repeat a bound vector and are not written.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#ifndef A
#define A 1 // with K = 2: the minimum limits' 4 storage buffers
#endif
#ifndef K
#define K 2
#endif
#if A < 1 || A > 3
#error "A is 1 to 3"
#endif
#define VEC_BASE A
#include "vectors.glsl"

layout(constant_id = 1) const uint ITEMS = 16;

layout(push_constant) uniform Push {
	uint n;          // elements in this chunk
	uint acount;     // a vectors that count, at most A
	uint count;      // v vectors that count, at most K
	uint stride;     // distance in out between two v vectors' partials
	uint a_stride;   // distance in out between two a vectors' partials
	uint out_offset; // where a0·v0's partial of group 0 goes
} p;

layout(std430, binding = 0) readonly buffer A0 { float a0[]; };
#if A > 1
layout(std430, binding = 1) readonly buffer A1 { float a1[]; };
#endif
#if A > 2
layout(std430, binding = 2) readonly buffer A2 { float a2[]; };
#endif
layout(std430, binding = A + K) writeonly buffer Out { float y[]; };

// The work group is at most 64 invocations (gpu.Batch.DotsTo), so that
// A·K sums each fit in shared memory on any device (16 KiB).
const uint MAX_LOCAL = 64;
shared float partial[A * K * MAX_LOCAL];

void main() {
	uint g = flat_group();
	uint L = gl_WorkGroupSize.x;
	uint base = g * ITEMS * L;
	if (base >= p.n) {
		return; // uniform across the group
	}
	uint t = gl_LocalInvocationID.x;
	precise float acc[A * K]; // precise: the compiler may not reassociate
	for (uint q = 0; q < A * K; q++) {
		acc[q] = 0.0;
	}
	for (uint k = 0; k < ITEMS; k++) {
		uint i = base + k * L + t;
		if (i < p.n) {
			float av[A];
			av[0] = a0[i];
#if A > 1
			av[1] = a1[i];
#endif
#if A > 2
			av[2] = a2[i];
#endif
			for (uint j = 0; j < K; j++) {
				float v = vec_at(j, i);
				for (uint q = 0; q < A; q++) {
					acc[q * K + j] = fma(av[q], v, acc[q * K + j]);
				}
			}
		}
	}
	for (uint q = 0; q < A * K; q++) {
		partial[q * MAX_LOCAL + t] = acc[q];
	}
	barrier();
	for (uint s = L / 2; s > 0; s >>= 1) {
		if (t < s) {
			for (uint q = 0; q < A * K; q++) {
				partial[q * MAX_LOCAL + t] += partial[q * MAX_LOCAL + t + s];
			}
		}
		barrier();
	}
	if (t == 0) {
		for (uint q = 0; q < A; q++) {
			for (uint j = 0; j < K; j++) {
				if (q < p.acount && j < p.count) {
					y[p.out_offset + q * p.a_stride + j * p.stride + g] = partial[(q * K + j) * MAX_LOCAL];
				}
			}
		}
	}
}
