#version 450
// gram_bwd: dx[n] += (dg+dgᵀ)·F/(C·HW), 4×4 blocks per invocation.
// The layout and the other Gram kernels: gram.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_BWD // selects the push constants in gram_push.glsl
#include "gram.glsl"

INPUT(0, S);
INPUT(1, F);
layout(std430, binding = 2) buffer DX { float dx[]; };

void main() {
	uint t = flat_index();
	// Invocations run along k fastest, so neighbours read neighbouring F.
	uint nbk = (p.HW + 3) / 4;
	uint bi0 = p.i0 / 4, nbi = (p.i0 + p.ci + 3) / 4 - bi0;
	if (t >= nbi * nbk) {
		return;
	}
	uint kb = 4 * (t % nbk), ib = 4 * (bi0 + t / nbk);
	vec4 acc[4] = vec4[4](vec4(0.0), vec4(0.0), vec4(0.0), vec4(0.0)); // acc[r][q] = dx[ib+r][kb+q]
	uint srow = (p.s_off + ib) / 4, sstride = p.CP / 4; // texel of s[j0][ib], texels per row
	uint j = 0;
	for (; j + 4 <= p.cj; j += 4) {
		// Four rows j at a time: s[j+u][ib..ib+3] and F[j+u][kb..kb+3].
		vec4 s0 = FETCH4(S, srow + j * sstride), s1 = FETCH4(S, srow + (j + 1) * sstride);
		vec4 s2 = FETCH4(S, srow + (j + 2) * sstride), s3 = FETCH4(S, srow + (j + 3) * sstride);
		vec4 f0 = fetch4(F, p.f_off + j * p.HW, kb, p.HW - 1), f1 = fetch4(F, p.f_off + (j + 1) * p.HW, kb, p.HW - 1);
		vec4 f2 = fetch4(F, p.f_off + (j + 2) * p.HW, kb, p.HW - 1), f3 = fetch4(F, p.f_off + (j + 3) * p.HW, kb, p.HW - 1);
		for (uint r = 0; r < 4; r++) {
			precise vec4 a = fma(vec4(s0[r]), f0, acc[r]);
			a = fma(vec4(s1[r]), f1, a);
			a = fma(vec4(s2[r]), f2, a);
			a = fma(vec4(s3[r]), f3, a);
			acc[r] = a;
		}
	}
	for (; j < p.cj; j++) {
		vec4 sj = FETCH4(S, srow + j * sstride);
		vec4 f = fetch4(F, p.f_off + j * p.HW, kb, p.HW - 1);
		for (uint r = 0; r < 4; r++) {
			precise vec4 a = fma(vec4(sj[r]), f, acc[r]);
			acc[r] = a;
		}
	}
	for (uint r = 0; r < 4; r++) {
		uint i = ib + r;
		if (i < p.i0 || i >= p.i0 + p.ci) {
			continue;
		}
		for (uint q = 0; q < 4; q++) {
			uint k = kb + q;
			if (k < p.HW) {
				uint o = p.dx_off + (i - p.i0) * p.HW + k;
				dx[o] += acc[r][q] / p.norm;
			}
		}
	}
}
