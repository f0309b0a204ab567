// gram_shared.glsl: the Gram kernels of gram.glsl (same push constants,
// bindings and results, summed in the same order but for the sliced
// forward; gram_sym still prepares s) as matrix products through shared
// memory (tile.glsl), for GPUs. F is read through scalar texel buffers.
// The including .comp defines one OP_*.
//
//   gram_fwd_shared: g[n] = F·Fᵀ/(C·HW). A work group computes a 64×64
//       tile of g, its rows and columns aligned to multiples of 64 and
//       masked to the runs [i0, i0+ci) and [j0, j0+cj); both slices are
//       rows of F, staged transposed. With FLAG_TRI only the tiles on and
//       above the diagonal run; with FLAG_MIRROR every element i < j is
//       written to both halves and i > j is left to its mirror.
//       With FLAG_PARTIAL (and FLAG_MIRROR, all of one g[n]) the sum over
//       HW is cut into slices of k_arg, work group row y sums slice y,
//       unnormalised, into matrix y of binding 2, and gram_reduce adds
//       the matrices: a Gram matrix of few channels (64 channels: one
//       tile) then still fills a GPU.
//       Grid: x (folded into z when wide) over the tiles, y over slices.
//   gram_reduce: g[n] = Σ_s partial[s] / (C·HW), s ascending.
//   gram_bwd_shared: dx[n] += s·F/(C·HW): a work group computes 64 rows
//       i × 64 columns k of dx, the sum running over the rows j of s and F
//       bound (both staged as they lie: s[j][i] and F[j][k] are contiguous
//       along i and k). Grid: x (folded into z when wide) over columns,
//       y over rows.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "read.glsl"
#include "gram_push.glsl"
#include "tile.glsl"

#if defined(OP_FWD)
INPUT(0, A); // rows [i0, i0+ci) of F
INPUT(1, B); // rows [j0, j0+cj) of F
layout(std430, binding = 2) writeonly buffer G { float g[]; };

void main() {
	uint bi0 = p.i0 / BM, nbi = (p.i0 + p.ci + BM - 1) / BM - bi0;
	uint bj0 = p.j0 / BN, nbj = (p.j0 + p.cj + BN - 1) / BN - bj0;
	uint t = tile_block_x(); // one work group per tile
	if (t >= ((p.flags & FLAG_TRI) != 0u ? nbi * (nbi + 1) / 2 : nbi * nbj)) {
		return; // a whole folded block past the end
	}
	uvec2 pair = gram_pair(t, nbi);
	uint bi = pair.x, bj = pair.y;
	uint ib = BM * (bi0 + bi), jb = BN * (bj0 + bj); // first channels of the tile
	uint l = gl_LocalInvocationID.x;
	uint lk = l % BK, lm = l / BK;
	// Rows this invocation stages, clamped into the runs (masked below).
	uint arow[BM / 16], brow[BN / 16];
	bool aok[BM / 16], bok[BN / 16];
	for (uint q = 0; q < BM / 16; q++) {
		uint i = ib + lm + 16 * q, j = jb + lm + 16 * q;
		aok[q] = i >= p.i0 && i < p.i0 + p.ci;
		bok[q] = j >= p.j0 && j < p.j0 + p.cj;
		arow[q] = p.a_off + (clamp(i, p.i0, p.i0 + p.ci - 1) - p.i0) * p.HW;
		brow[q] = p.b_off + (clamp(j, p.j0, p.j0 + p.cj - 1) - p.j0) * p.HW;
	}
	bool partial = (p.flags & FLAG_PARTIAL) != 0u;
	uint kbegin = partial ? gl_WorkGroupID.y * p.k_arg : 0u;
	uint kend = partial ? min(p.HW, kbegin + p.k_arg) : p.HW;
	tile_zero();
	for (uint k0 = kbegin; k0 < kend; k0 += BK) {
		uint k = k0 + lk;
		for (uint q = 0; q < BM / 16; q++) {
			As[lk][lm + 16 * q] = (aok[q] && k < kend) ? FETCH(A, arow[q] + k) : 0.0;
			Bs[lk][lm + 16 * q] = (bok[q] && k < kend) ? FETCH(B, brow[q] + k) : 0.0;
		}
		tile_step();
	}
	bool mirror = (p.flags & FLAG_MIRROR) != 0u;
	uint goff = p.g_off + (partial ? gl_WorkGroupID.y * p.C * p.C : 0u);
	for (uint ii = 0; ii < TM; ii++) {
		uint i = ib + tile_m(ii);
		if (i < p.i0 || i >= p.i0 + p.ci) {
			continue;
		}
		for (uint jj = 0; jj < TN; jj++) {
			uint j = jb + tile_n(jj);
			if (j < p.j0 || j >= p.j0 + p.cj || (mirror && i > j)) {
				continue;
			}
			float v = partial ? acc[ii][jj] : acc[ii][jj] / p.norm;
			g[goff + (i - p.g_row) * p.C + j] = v;
			if (mirror && i != j) {
				g[goff + j * p.C + i] = v;
			}
		}
	}
}

#elif defined(OP_REDUCE)
INPUT(0, part); // slices × C·C
layout(std430, binding = 1) writeonly buffer G { float g[]; };

void main() {
	uint e = flat_index();
	if (e >= p.CC) {
		return;
	}
	float v = 0.0;
	for (uint s = 0; s < p.slices; s++) {
		v += FETCH(part, s * p.CC + e);
	}
	g[p.g_off + e] = v / p.norm;
}

#elif defined(OP_BWD)
INPUT(0, S); // rows [j0, j0+cj) of s, CP wide
INPUT(1, F); // the same rows of F
layout(std430, binding = 2) buffer DX { float dx[]; };

void main() {
	uint k0 = tile_block_x() * BN, m0 = gl_WorkGroupID.y * BM;
	if (k0 >= p.HW) {
		return; // a whole folded block past the end
	}
	uint l = gl_LocalInvocationID.x;
	// This invocation stages s[j][i0+m0+lc] and F[j][k0+lc] for the rows
	// j = j0r+lr+4q of each step.
	uint lc = l % BM, lr = l / BM;
	uint i = p.i0 + m0 + lc, k = k0 + lc;
	bool iok = i < p.i0 + p.ci, kok = k < p.HW;
	tile_zero();
	for (uint j0r = 0; j0r < p.cj; j0r += BK) {
		for (uint q = 0; q < BK / 4; q++) {
			uint jr = lr + 4 * q, j = j0r + jr;
			bool jok = j < p.cj;
			As[jr][lc] = (jok && iok) ? FETCH(S, p.s_off + j * p.CP + i) : 0.0;
			Bs[jr][lc] = (jok && kok) ? FETCH(F, p.f_off + j * p.HW + k) : 0.0;
		}
		tile_step();
	}
	for (uint ii = 0; ii < TM; ii++) {
		uint m = m0 + tile_m(ii);
		if (m >= p.ci) {
			continue;
		}
		for (uint jj = 0; jj < TN; jj++) {
			uint kq = k0 + tile_n(jj);
			if (kq < p.HW) {
				uint o = p.dx_off + m * p.HW + kq;
				dx[o] += acc[ii][jj] / p.norm;
			}
		}
	}
}
#endif
