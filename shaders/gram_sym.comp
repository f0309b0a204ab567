#version 450
// gram_sym: s = dg + dgᵀ, rows padded with zeros to CP.
// The layout and the other Gram kernels: gram.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_SYM // selects the push constants in gram_push.glsl
#include "gram.glsl"

INPUT(0, DA); // dg, the rows j
INPUT(1, DB); // dg, the rows i
layout(std430, binding = 2) writeonly buffer S { float s[]; };

void main() {
	// Work group (x, y) covers a tile of 8 columns i by L/8 rows j, so
	// that the transposed reads of dg touch few cache lines.
	uint rows = gl_WorkGroupSize.x / 8;
	uint i = p.i0 + gl_WorkGroupID.x * 8 + gl_LocalInvocationID.x % 8;
	uint j = gl_WorkGroupID.y * rows + gl_LocalInvocationID.x / 8;
	if (i >= p.iend || j >= p.cj) {
		return;
	}
	float v = 0.0;
	if (i < p.C) {
		v = FETCH(DA, p.a_off + j * p.C + i) + FETCH(DB, p.b_off + (i - p.i0) * p.C + p.j0 + j);
	}
	s[p.s_off + j * p.CP + i] = v;
}
