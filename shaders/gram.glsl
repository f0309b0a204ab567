// gram.glsl: Gram matrices of feature maps, forward and backward, as
// register-blocked GEMMs reading the features with read.glsl (texel
// buffers, or storage buffers in the "_storage" variants). For image n
// the features are F = x[n], a C×HW matrix; its rows are channels. The
// including .comp defines one OP_*.
//
//   gram_fwd: g[n] = F·Fᵀ/(C·HW). Binding 0 holds the rows [i0, i0+ci) of F,
//             binding 1 the rows [j0, j0+cj), binding 2 the rows of g[n]
//             from g_row on. Each invocation computes a 4×4 block of g[i][j]
//             for i, j in those runs, its channels aligned to multiples of
//             4 and masked to the runs. Where all of g[n] is bound
//             (FLAG_MIRROR) every element is also written transposed, so the
//             host computes only the runs j0 ≥ i0 and, within one run
//             (FLAG_TRI), only the blocks on and above the diagonal: half
//             the products.
//   gram_sym: s = dg + dgᵀ, rows padded with zeros to CP (C rounded up to
//             a multiple of 4) so that gram_bwd reads it as vec4 texels:
//             the rows [j0, j0+cj) and columns [i0, iend) of s[n], from
//             the same rows of dg (binding 0) and the rows [i0, ...) of dg
//             (binding 1).
//   gram_bwd: dx[n] += s·F/(C·HW) = (dg+dgᵀ)·F/(C·HW). Binding 0 holds the
//             rows [j0, j0+cj) of s, binding 1 the same rows of F, binding
//             2 the rows [i0, i0+ci) of dx[n]. Each invocation computes 4
//             rows × 4 columns of dx, reading s[j][i..i+3] (s is
//             symmetric) and F[j][k..k+3] as one vec4 each per j. The host
//             issues one dispatch per run of rows j when F[n] does not fit
//             one binding; they add up in dx.
//
// Every element is a sum in a fixed order (k, or j, ascending), so the
// results are the same bits on every run; g is exactly symmetric.
//
// VEC (specialisation constant 1) is the components of the F texels: 4
// when HW is a multiple of 4 (the offsets are then too), else 1.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "read.glsl"

layout(constant_id = 1) const uint VEC = 4;

#include "gram_push.glsl"

#if defined(OP_FWD)
INPUT(0, A);
INPUT(1, B);
layout(std430, binding = 2) writeonly buffer G { float g[]; };
#elif defined(OP_SYM)
INPUT(0, DA); // dg, the rows j
INPUT(1, DB); // dg, the rows i
layout(std430, binding = 2) writeonly buffer S { float s[]; };
#elif defined(OP_BWD)
INPUT(0, S);
INPUT(1, F);
layout(std430, binding = 2) buffer DX { float dx[]; };
#else
#error "define one OP_*"
#endif

#if defined(OP_FWD) || defined(OP_BWD)
// fetch4(t, row, e, last) is elements e..e+3 of F's row starting at
// element row of input t: one group of four when VEC is 4 (e and row
// multiples of 4), else four elements, each index clamped to last (masked
// by the caller). A macro, since an input may be a storage buffer.
#define fetch4(t, row, e, last) (VEC == 4 ? FETCH4(t, ((row) + (e)) / 4u) : \
	vec4(FETCH(t, (row) + min((e), (last))), FETCH(t, (row) + min((e) + 1u, (last))), \
		FETCH(t, (row) + min((e) + 2u, (last))), FETCH(t, (row) + min((e) + 3u, (last)))))
#endif

void main() {
#if defined(OP_FWD) || defined(OP_BWD)
	uint t = flat_index();
#endif
#if defined(OP_FWD)
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
#elif defined(OP_SYM)
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
#else
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
#endif
}
