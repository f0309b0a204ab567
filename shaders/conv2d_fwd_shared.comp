#version 450
// conv2d_fwd_shared: conv2d_fwd (same push constants, bindings and flags,
// the transposed data-gradient form included) as an implicit GEMM through
// shared memory (tile.glsl), for GPUs: y[co][px] = Σ_r w[co][r]·patch[r][px]
// over r = (ci, ky, kx), where patch is the padded input under output
// pixel px. A work group computes 64 output channels × 64 output pixels.
// Grid: x (folded into z when wide) over pixel blocks of image p.n, y over
// blocks of the channels [c_base, c_base+c_count).
#extension GL_GOOGLE_include_directive : require
#include "conv.glsl"
#include "tile.glsl"

// The kernel size, specialised so that splitting a reduction index into
// (ci, ky, kx) divides by constants (p.KH and p.KW hold the same values).
layout(constant_id = 1) const uint KH = 3;
layout(constant_id = 2) const uint KW = 3;

INPUT(0, x);    // N×CIn×H×W
INPUT(1, w);    // COut×CIn×KH×KW (transposed: CIn×COut×KH×KW)
INPUT(2, bias); // COut (any buffer when no bias)
layout(std430, binding = 3) buffer Out { float y[]; };

void main() {
	uint P = p.OH * p.OW, K = KH * KW, R = p.CIn * K;
	uint px0 = tile_block_x() * BN, m0 = gl_WorkGroupID.y * BM;
	if (px0 >= P) {
		return; // a whole folded block past the end
	}
	uint l = gl_LocalInvocationID.x;
	bool transposed = (p.flags & FLAG_TRANSPOSED) != 0u;

	// A = w, staged transposed: this invocation reads w[c_base+m0+am+16q][r0+ak].
	uint ak = l % BK, am = l / BK;
	// B = the patches: this invocation reads patch[r0+bk+4q][px0+bj]; its
	// pixel is fixed, so is the corner of its patch.
	uint bj = l % BN, bk = l / BN;
	uint px = px0 + bj;
	bool pxok = px < P;
	int iy0 = int((px / p.OW) * p.stride) - int(p.pad);
	int ix0 = int((px % p.OW) * p.stride) - int(p.pad);
	int H = int(p.H), W = int(p.W);
	uint xbase = p.n * p.CIn * p.H * p.W;
	uint co_end = p.c_base + p.c_count;

	tile_zero();
	for (uint r0 = 0; r0 < R; r0 += BK) {
		uint r = r0 + ak;
		uint ci = r / K, k = r % K;
		for (uint q = 0; q < BM / 16; q++) {
			uint co = p.c_base + m0 + am + 16 * q;
			float v = 0.0;
			if (r < R && co < co_end) {
				uint wi = transposed ? (ci * p.COut + co) * K + (K - 1 - k) : co * R + r;
				v = FETCH(w, wi);
			}
			As[ak][am + 16 * q] = v;
		}
		for (uint q = 0; q < BK / 4; q++) {
			uint kk = bk + 4 * q, rb = r0 + kk;
			float v = 0.0;
			if (pxok && rb < R) {
				uint cb = rb / K, kb = rb % K;
				int row = pad_index(iy0 + int(kb / KW), H);
				int col = pad_index(ix0 + int(kb % KW), W);
				if (row >= 0 && col >= 0) {
					v = FETCH(x, xbase + cb * p.H * p.W + uint(row * W + col));
				}
			}
			Bs[kk][bj] = v;
		}
		tile_step();
	}

	bool accumulate = (p.flags & FLAG_ACCUMULATE) != 0u;
	for (uint i = 0; i < TM; i++) {
		uint m = m0 + tile_m(i);
		if (m >= p.c_count) {
			continue;
		}
		float b = (p.flags & FLAG_BIAS) != 0u ? FETCH(bias, p.c_base + m) : 0.0;
		for (uint j = 0; j < TN; j++) {
			uint q = px0 + tile_n(j);
			if (q < P) {
				uint o = p.y_off + m * P + q;
				y[o] = acc[i][j] + (accumulate ? y[o] : b);
			}
		}
	}
}
