#version 450
// wino_gemm: the 16 products of a Winograd F(2×2, 3×3) convolution
// (wino.glsl), M[ξ] = U[ξ]·V[ξ], in one dispatch (grid z = ξ):
//
//   M[(ξ·COut + co)·tpad + t] = Σ_ci U[ξ·ustride + co·cinp + ci] · V[(ξ·cinp + ci)·tpad + t]
//
// with the input channels padded to cinp, a multiple of 4 (the padding is
// zeros in U and V), and tpad a multiple of PX_T. Each invocation computes
// CO_T output channels × PX_T consecutive tiles in registers; every
// operand is read four floats at a time through 4-component texel
// buffers: four tiles of V, four input channels of U.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint CO_T = 16;
layout(constant_id = 2) const uint PX_T = 16; // a multiple of 4

layout(push_constant) uniform Push {
	uint cinp, COut, tpad, ustride;
} p;

layout(binding = 0) uniform samplerBuffer v; // 16×cinp×tpad, as vec4
layout(binding = 1) uniform samplerBuffer u; // 16×ustride, as vec4
layout(std430, binding = 2) writeonly buffer M { float m[]; };

void main() {
	uint xi = gl_WorkGroupID.z;
	uint t0 = gl_GlobalInvocationID.x * PX_T;
	if (t0 >= p.tpad) {
		return;
	}
	uint co0 = gl_WorkGroupID.y * CO_T;
	const uint P4 = PX_T / 4;
	vec4 acc[CO_T][P4];
	for (uint c = 0; c < CO_T; c++) {
		for (uint j = 0; j < P4; j++) {
			acc[c][j] = vec4(0.0);
		}
	}
	uint row4 = p.tpad / 4; // vec4s per row of V
	for (uint ci = 0; ci < p.cinp; ci += 4) {
		vec4 xv[4][P4];
		for (uint k = 0; k < 4; k++) {
			uint base = (xi * p.cinp + ci + k) * row4 + t0 / 4;
			for (uint j = 0; j < P4; j++) {
				xv[k][j] = texelFetch(v, int(base + j));
			}
		}
		for (uint c = 0; c < CO_T; c++) {
			uint co = min(co0 + c, p.COut - 1); // tail channels repeat, never stored
			vec4 w = texelFetch(u, int((xi * p.ustride + co * p.cinp + ci) / 4));
			for (uint j = 0; j < P4; j++) {
				acc[c][j] = fma(vec4(w.x), xv[0][j], acc[c][j]);
				acc[c][j] = fma(vec4(w.y), xv[1][j], acc[c][j]);
				acc[c][j] = fma(vec4(w.z), xv[2][j], acc[c][j]);
				acc[c][j] = fma(vec4(w.w), xv[3][j], acc[c][j]);
			}
		}
	}
	for (uint c = 0; c < CO_T; c++) {
		uint co = co0 + c;
		if (co >= p.COut) {
			break;
		}
		uint base = (xi * p.COut + co) * p.tpad + t0;
		for (uint j = 0; j < P4; j++) {
			for (uint q = 0; q < 4; q++) {
				m[base + 4 * j + q] = acc[c][j][q];
			}
		}
	}
}
