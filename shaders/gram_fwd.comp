#version 450
// gram_fwd: g[n] = F·Fᵀ/(C·HW), 4×4 blocks per invocation.
// The layout and the other Gram kernels: gram.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_FWD // selects the push constants in gram_push.glsl
#include "gram.glsl"

INPUT(0, A);
INPUT(1, B);
layout(std430, binding = 2) buffer G { float g[]; }; // read back by the spans after the first

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
	// With FLAG_SPAN the sum runs over [k_arg, k_arg+GRAM_SPAN) of HW: the
	// first span writes its sums, the next add theirs to g, and the last
	// divides by norm (vkgraph issues them in order). A Gram matrix of up
	// to GRAM_SPAN positions is one dispatch that sums all of HW.
	uint kbegin = 0u, kend = p.HW;
	if ((p.flags & FLAG_SPAN) != 0u) {
		kbegin = p.k_arg;
		kend = min(p.HW, kbegin + GRAM_SPAN);
	}
	vec4 acc[4] = vec4[4](vec4(0.0), vec4(0.0), vec4(0.0), vec4(0.0)); // acc[r][c] = g[ib+r][jb+c]
	for (uint k = kbegin; k < kend; k += 4) {
		vec4 b0 = fetch4(B, br[0], k, p.HW - 1), b1 = fetch4(B, br[1], k, p.HW - 1);
		vec4 b2 = fetch4(B, br[2], k, p.HW - 1), b3 = fetch4(B, br[3], k, p.HW - 1);
		// Columns of the 4×4 block of B: element q of every row.
		vec4 bq[4] = vec4[4](vec4(b0.x, b1.x, b2.x, b3.x), vec4(b0.y, b1.y, b2.y, b3.y),
			vec4(b0.z, b1.z, b2.z, b3.z), vec4(b0.w, b1.w, b2.w, b3.w));
		// Past HW (scalar texels only) a's elements are zero, so that the
		// loop over q has a constant bound: a loop of variable length would
		// spend llvmpipe's iteration budget four times per step.
		vec4 live = VEC == 4 ? vec4(1.0) : vec4(lessThan(uvec4(k) + uvec4(0u, 1u, 2u, 3u), uvec4(kend)));
		for (uint r = 0; r < 4; r++) {
			vec4 a = fetch4(A, ar[r], k, p.HW - 1) * live;
			precise vec4 s = acc[r];
			for (uint q = 0; q < 4; q++) {
				s = fma(vec4(a[q]), bq[q], s);
			}
			acc[r] = s;
		}
	}
	// Every element this invocation writes is read first, since a diagonal
	// block writes each of its elements twice (directly and mirrored).
	bool last = kend == p.HW;
	if (kbegin > 0u) {
		for (uint r = 0; r < 4; r++) {
			for (uint c = 0; c < 4; c++) {
				uint i = ib + r, j = jb + c;
				if (i >= p.i0 && i < p.i0 + p.ci && j >= p.j0 && j < p.j0 + p.cj) {
					acc[r][c] += g[p.g_off + (i - p.g_row) * p.C + j];
				}
			}
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
			float v = last ? acc[r][c] / p.norm : acc[r][c];
			g[p.g_off + (i - p.g_row) * p.C + j] = v;
			if ((p.flags & FLAG_MIRROR) != 0u && i != j) {
				g[p.g_off + j * p.C + i] = v;
			}
		}
	}
}
