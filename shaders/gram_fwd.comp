#version 450
// gram_fwd: g[n] = F·Fᵀ/(C·HW), 4×4 blocks per invocation.
// The layout and the other Gram kernels: gram.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_FWD // selects the push constants in gram_push.glsl
#include "gram.glsl"

INPUT(0, A);
INPUT(1, B);
layout(std430, binding = 2) writeonly buffer G { float g[]; };

void main() {
	uint t = flat_index();
	// Blocks of 4 channels, aligned to multiples of 4, covering the rows.
	uint bi0 = p.i0 / 4, nbi = (p.i0 + p.ci + 3) / 4 - bi0;
	uint bj0 = p.j0 / 4, nbj = (p.j0 + p.cj + 3) / 4 - bj0;
	uint count = (p.flags & FLAG_TRI) != 0u ? nbi * (nbi + 1) / 2 : nbi * nbj;
	if (t >= count) {
		return;
	}
	uvec2 pair = gram_pair(t, nbi);
	uint bi = pair.x, bj = pair.y;
	uint ib = 4 * (bi0 + bi), jb = 4 * (bj0 + bj); // first channels
	// Row starts in the bindings, clamped into the bound rows.
	uint ar[4], br[4];
	for (uint r = 0; r < 4; r++) {
		ar[r] = p.a_off + (clamp(ib + r, p.i0, p.i0 + p.ci - 1) - p.i0) * p.HW;
		br[r] = p.b_off + (clamp(jb + r, p.j0, p.j0 + p.cj - 1) - p.j0) * p.HW;
	}
	vec4 acc[4] = vec4[4](vec4(0.0), vec4(0.0), vec4(0.0), vec4(0.0)); // acc[r][c] = g[ib+r][jb+c]
	for (uint k = 0; k < p.HW; k += 4) {
		vec4 b0 = fetch4(B, br[0], k, p.HW - 1), b1 = fetch4(B, br[1], k, p.HW - 1);
		vec4 b2 = fetch4(B, br[2], k, p.HW - 1), b3 = fetch4(B, br[3], k, p.HW - 1);
		// Columns of the 4×4 block of B: element q of every row.
		vec4 bq[4] = vec4[4](vec4(b0.x, b1.x, b2.x, b3.x), vec4(b0.y, b1.y, b2.y, b3.y),
			vec4(b0.z, b1.z, b2.z, b3.z), vec4(b0.w, b1.w, b2.w, b3.w));
		uint nq = VEC == 4 ? 4 : min(4, p.HW - k); // constant 4 once specialised
		for (uint r = 0; r < 4; r++) {
			vec4 a = fetch4(A, ar[r], k, p.HW - 1);
			precise vec4 s = acc[r];
			for (uint q = 0; q < nq; q++) {
				s = fma(vec4(a[q]), bq[q], s);
			}
			acc[r] = s;
		}
	}
	for (uint r = 0; r < 4; r++) {
		uint i = ib + r;
		if (i < p.i0 || i >= p.i0 + p.ci) {
			continue;
		}
		for (uint c = 0; c < 4; c++) {
			uint j = jb + c;
			if (j < p.j0 || j >= p.j0 + p.cj) {
				continue;
			}
			float v = acc[r][c] / p.norm;
			g[p.g_off + (i - p.g_row) * p.C + j] = v;
			if ((p.flags & FLAG_MIRROR) != 0u && i != j) {
				g[p.g_off + j * p.C + i] = v;
			}
		}
	}
}
