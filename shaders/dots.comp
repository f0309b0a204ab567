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
#if A < 1 || A > 3 || K > 12
#error "A is 1 to 3, K at most 12"
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
shared float partial[A * K][MAX_LOCAL];

void main() {
	uint g = flat_group();
	uint L = gl_WorkGroupSize.x;
	uint base = g * ITEMS * L;
	if (base >= p.n) {
		return; // uniform across the group
	}
	uint t = gl_LocalInvocationID.x;
	// One named accumulator a pair (written out below for A ≤ 3, K ≤ 12):
	// an array indexed in loops became memory on lavapipe.
#if A > 0 && K > 0
	precise float acc0_0 = 0.0;
#endif
#if A > 0 && K > 1
	precise float acc0_1 = 0.0;
#endif
#if A > 0 && K > 2
	precise float acc0_2 = 0.0;
#endif
#if A > 0 && K > 3
	precise float acc0_3 = 0.0;
#endif
#if A > 0 && K > 4
	precise float acc0_4 = 0.0;
#endif
#if A > 0 && K > 5
	precise float acc0_5 = 0.0;
#endif
#if A > 0 && K > 6
	precise float acc0_6 = 0.0;
#endif
#if A > 0 && K > 7
	precise float acc0_7 = 0.0;
#endif
#if A > 0 && K > 8
	precise float acc0_8 = 0.0;
#endif
#if A > 0 && K > 9
	precise float acc0_9 = 0.0;
#endif
#if A > 0 && K > 10
	precise float acc0_10 = 0.0;
#endif
#if A > 0 && K > 11
	precise float acc0_11 = 0.0;
#endif
#if A > 1 && K > 0
	precise float acc1_0 = 0.0;
#endif
#if A > 1 && K > 1
	precise float acc1_1 = 0.0;
#endif
#if A > 1 && K > 2
	precise float acc1_2 = 0.0;
#endif
#if A > 1 && K > 3
	precise float acc1_3 = 0.0;
#endif
#if A > 1 && K > 4
	precise float acc1_4 = 0.0;
#endif
#if A > 1 && K > 5
	precise float acc1_5 = 0.0;
#endif
#if A > 1 && K > 6
	precise float acc1_6 = 0.0;
#endif
#if A > 1 && K > 7
	precise float acc1_7 = 0.0;
#endif
#if A > 1 && K > 8
	precise float acc1_8 = 0.0;
#endif
#if A > 1 && K > 9
	precise float acc1_9 = 0.0;
#endif
#if A > 1 && K > 10
	precise float acc1_10 = 0.0;
#endif
#if A > 1 && K > 11
	precise float acc1_11 = 0.0;
#endif
#if A > 2 && K > 0
	precise float acc2_0 = 0.0;
#endif
#if A > 2 && K > 1
	precise float acc2_1 = 0.0;
#endif
#if A > 2 && K > 2
	precise float acc2_2 = 0.0;
#endif
#if A > 2 && K > 3
	precise float acc2_3 = 0.0;
#endif
#if A > 2 && K > 4
	precise float acc2_4 = 0.0;
#endif
#if A > 2 && K > 5
	precise float acc2_5 = 0.0;
#endif
#if A > 2 && K > 6
	precise float acc2_6 = 0.0;
#endif
#if A > 2 && K > 7
	precise float acc2_7 = 0.0;
#endif
#if A > 2 && K > 8
	precise float acc2_8 = 0.0;
#endif
#if A > 2 && K > 9
	precise float acc2_9 = 0.0;
#endif
#if A > 2 && K > 10
	precise float acc2_10 = 0.0;
#endif
#if A > 2 && K > 11
	precise float acc2_11 = 0.0;
#endif
	for (uint k = 0; k < ITEMS; k++) {
		uint i = base + k * L + t;
		if (i < p.n) {
			float av0 = a0[i];
#if A > 1
			float av1 = a1[i];
#endif
#if A > 2
			float av2 = a2[i];
#endif
#if K > 0
			float b0 = v0[i];
#endif
#if K > 1
			float b1 = v1[i];
#endif
#if K > 2
			float b2 = v2[i];
#endif
#if K > 3
			float b3 = v3[i];
#endif
#if K > 4
			float b4 = v4[i];
#endif
#if K > 5
			float b5 = v5[i];
#endif
#if K > 6
			float b6 = v6[i];
#endif
#if K > 7
			float b7 = v7[i];
#endif
#if K > 8
			float b8 = v8[i];
#endif
#if K > 9
			float b9 = v9[i];
#endif
#if K > 10
			float b10 = v10[i];
#endif
#if K > 11
			float b11 = v11[i];
#endif
#if A > 0 && K > 0
			acc0_0 = fma(av0, b0, acc0_0);
#endif
#if A > 0 && K > 1
			acc0_1 = fma(av0, b1, acc0_1);
#endif
#if A > 0 && K > 2
			acc0_2 = fma(av0, b2, acc0_2);
#endif
#if A > 0 && K > 3
			acc0_3 = fma(av0, b3, acc0_3);
#endif
#if A > 0 && K > 4
			acc0_4 = fma(av0, b4, acc0_4);
#endif
#if A > 0 && K > 5
			acc0_5 = fma(av0, b5, acc0_5);
#endif
#if A > 0 && K > 6
			acc0_6 = fma(av0, b6, acc0_6);
#endif
#if A > 0 && K > 7
			acc0_7 = fma(av0, b7, acc0_7);
#endif
#if A > 0 && K > 8
			acc0_8 = fma(av0, b8, acc0_8);
#endif
#if A > 0 && K > 9
			acc0_9 = fma(av0, b9, acc0_9);
#endif
#if A > 0 && K > 10
			acc0_10 = fma(av0, b10, acc0_10);
#endif
#if A > 0 && K > 11
			acc0_11 = fma(av0, b11, acc0_11);
#endif
#if A > 1 && K > 0
			acc1_0 = fma(av1, b0, acc1_0);
#endif
#if A > 1 && K > 1
			acc1_1 = fma(av1, b1, acc1_1);
#endif
#if A > 1 && K > 2
			acc1_2 = fma(av1, b2, acc1_2);
#endif
#if A > 1 && K > 3
			acc1_3 = fma(av1, b3, acc1_3);
#endif
#if A > 1 && K > 4
			acc1_4 = fma(av1, b4, acc1_4);
#endif
#if A > 1 && K > 5
			acc1_5 = fma(av1, b5, acc1_5);
#endif
#if A > 1 && K > 6
			acc1_6 = fma(av1, b6, acc1_6);
#endif
#if A > 1 && K > 7
			acc1_7 = fma(av1, b7, acc1_7);
#endif
#if A > 1 && K > 8
			acc1_8 = fma(av1, b8, acc1_8);
#endif
#if A > 1 && K > 9
			acc1_9 = fma(av1, b9, acc1_9);
#endif
#if A > 1 && K > 10
			acc1_10 = fma(av1, b10, acc1_10);
#endif
#if A > 1 && K > 11
			acc1_11 = fma(av1, b11, acc1_11);
#endif
#if A > 2 && K > 0
			acc2_0 = fma(av2, b0, acc2_0);
#endif
#if A > 2 && K > 1
			acc2_1 = fma(av2, b1, acc2_1);
#endif
#if A > 2 && K > 2
			acc2_2 = fma(av2, b2, acc2_2);
#endif
#if A > 2 && K > 3
			acc2_3 = fma(av2, b3, acc2_3);
#endif
#if A > 2 && K > 4
			acc2_4 = fma(av2, b4, acc2_4);
#endif
#if A > 2 && K > 5
			acc2_5 = fma(av2, b5, acc2_5);
#endif
#if A > 2 && K > 6
			acc2_6 = fma(av2, b6, acc2_6);
#endif
#if A > 2 && K > 7
			acc2_7 = fma(av2, b7, acc2_7);
#endif
#if A > 2 && K > 8
			acc2_8 = fma(av2, b8, acc2_8);
#endif
#if A > 2 && K > 9
			acc2_9 = fma(av2, b9, acc2_9);
#endif
#if A > 2 && K > 10
			acc2_10 = fma(av2, b10, acc2_10);
#endif
#if A > 2 && K > 11
			acc2_11 = fma(av2, b11, acc2_11);
#endif
		}
	}
#if A > 0 && K > 0
	partial[0 * K + 0][t] = acc0_0;
#endif
#if A > 0 && K > 1
	partial[0 * K + 1][t] = acc0_1;
#endif
#if A > 0 && K > 2
	partial[0 * K + 2][t] = acc0_2;
#endif
#if A > 0 && K > 3
	partial[0 * K + 3][t] = acc0_3;
#endif
#if A > 0 && K > 4
	partial[0 * K + 4][t] = acc0_4;
#endif
#if A > 0 && K > 5
	partial[0 * K + 5][t] = acc0_5;
#endif
#if A > 0 && K > 6
	partial[0 * K + 6][t] = acc0_6;
#endif
#if A > 0 && K > 7
	partial[0 * K + 7][t] = acc0_7;
#endif
#if A > 0 && K > 8
	partial[0 * K + 8][t] = acc0_8;
#endif
#if A > 0 && K > 9
	partial[0 * K + 9][t] = acc0_9;
#endif
#if A > 0 && K > 10
	partial[0 * K + 10][t] = acc0_10;
#endif
#if A > 0 && K > 11
	partial[0 * K + 11][t] = acc0_11;
#endif
#if A > 1 && K > 0
	partial[1 * K + 0][t] = acc1_0;
#endif
#if A > 1 && K > 1
	partial[1 * K + 1][t] = acc1_1;
#endif
#if A > 1 && K > 2
	partial[1 * K + 2][t] = acc1_2;
#endif
#if A > 1 && K > 3
	partial[1 * K + 3][t] = acc1_3;
#endif
#if A > 1 && K > 4
	partial[1 * K + 4][t] = acc1_4;
#endif
#if A > 1 && K > 5
	partial[1 * K + 5][t] = acc1_5;
#endif
#if A > 1 && K > 6
	partial[1 * K + 6][t] = acc1_6;
#endif
#if A > 1 && K > 7
	partial[1 * K + 7][t] = acc1_7;
#endif
#if A > 1 && K > 8
	partial[1 * K + 8][t] = acc1_8;
#endif
#if A > 1 && K > 9
	partial[1 * K + 9][t] = acc1_9;
#endif
#if A > 1 && K > 10
	partial[1 * K + 10][t] = acc1_10;
#endif
#if A > 1 && K > 11
	partial[1 * K + 11][t] = acc1_11;
#endif
#if A > 2 && K > 0
	partial[2 * K + 0][t] = acc2_0;
#endif
#if A > 2 && K > 1
	partial[2 * K + 1][t] = acc2_1;
#endif
#if A > 2 && K > 2
	partial[2 * K + 2][t] = acc2_2;
#endif
#if A > 2 && K > 3
	partial[2 * K + 3][t] = acc2_3;
#endif
#if A > 2 && K > 4
	partial[2 * K + 4][t] = acc2_4;
#endif
#if A > 2 && K > 5
	partial[2 * K + 5][t] = acc2_5;
#endif
#if A > 2 && K > 6
	partial[2 * K + 6][t] = acc2_6;
#endif
#if A > 2 && K > 7
	partial[2 * K + 7][t] = acc2_7;
#endif
#if A > 2 && K > 8
	partial[2 * K + 8][t] = acc2_8;
#endif
#if A > 2 && K > 9
	partial[2 * K + 9][t] = acc2_9;
#endif
#if A > 2 && K > 10
	partial[2 * K + 10][t] = acc2_10;
#endif
#if A > 2 && K > 11
	partial[2 * K + 11][t] = acc2_11;
#endif
	barrier();
	for (uint s = L / 2; s > 0; s >>= 1) {
		if (t < s) {
			for (uint q = 0; q < A * K; q++) {
				partial[q][t] += partial[q][t + s];
			}
		}
		barrier();
	}
	if (t == 0) {
		for (uint q = 0; q < A; q++) {
			for (uint j = 0; j < K; j++) {
				if (q < p.acount && j < p.count) {
					y[p.out_offset + q * p.a_stride + j * p.stride + g] = partial[q * K + j][0];
				}
			}
		}
	}
}
