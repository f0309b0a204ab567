#version 450
// conv2d_bwd_weight_shared: conv2d_bwd_weight (same push constants and
// bindings) as a GEMM through shared memory (tile.glsl), for GPUs:
// dw[co][r] += Σ over images n and output pixels px of
// dy[n][co][px]·patch[n][r][px], r = (ci, ky, kx), in that order. A work
// group computes 64 output channels × 64 weight positions.
// Grid: x over blocks of r, y over blocks of the channels
// [c_base, c_base+c_count); dw's row of channel c_base starts y_off
// elements into the output binding.
#extension GL_GOOGLE_include_directive : require
#include "conv.glsl"
#include "tile.glsl"

// The kernel size, specialised so that splitting a reduction index into
// (ci, ky, kx) divides by constants (p.KH and p.KW hold the same values).
layout(constant_id = 1) const uint KH = 3;
layout(constant_id = 2) const uint KW = 3;

INPUT(0, x);  // N×CIn×H×W
INPUT(1, dy); // N×COut×OH×OW
layout(std430, binding = 2) buffer Out { float dw[]; };

void main() {
	uint P = p.OH * p.OW, K = KH * KW, R = p.CIn * K;
	uint r0 = gl_WorkGroupID.x * BN, m0 = gl_WorkGroupID.y * BM;
	uint l = gl_LocalInvocationID.x;
	// Both slices are staged transposed: this invocation reads pixel
	// px+lk of dy's channel c_base+m0+lm+16q and of the patches of weight
	// positions r0+lm+16q, whose (ci, ky, kx) it works out once.
	uint lk = l % BK, lm = l / BK;
	uint co_end = p.c_base + p.c_count;
	int H = int(p.H), W = int(p.W);
	uint xoff[BN / 16];
	int ky[BN / 16], kx[BN / 16];
	bool rok[BN / 16];
	for (uint q = 0; q < BN / 16; q++) {
		uint r = r0 + lm + 16 * q;
		rok[q] = r < R;
		uint ci = min(r, R - 1) / K, k = min(r, R - 1) % K;
		xoff[q] = ci * p.H * p.W;
		ky[q] = int(k / KW);
		kx[q] = int(k % KW);
	}

	tile_zero();
	for (uint n = 0; n < p.N; n++) {
		for (uint px0 = 0; px0 < P; px0 += BK) {
			uint px = px0 + lk;
			bool pxok = px < P;
			int iy = int((px / p.OW) * p.stride) - int(p.pad);
			int ix = int((px % p.OW) * p.stride) - int(p.pad);
			for (uint q = 0; q < BM / 16; q++) {
				uint co = p.c_base + m0 + lm + 16 * q;
				As[lk][lm + 16 * q] = (pxok && co < co_end) ? FETCH(dy, (n * p.COut + co) * P + px) : 0.0;
			}
			for (uint q = 0; q < BN / 16; q++) {
				float v = 0.0;
				if (pxok && rok[q]) {
					int row = pad_index(iy + ky[q], H), col = pad_index(ix + kx[q], W);
					if (row >= 0 && col >= 0) {
						v = FETCH(x, n * p.CIn * p.H * p.W + xoff[q] + uint(row * W + col));
					}
				}
				Bs[lk][lm + 16 * q] = v;
			}
			tile_step();
		}
	}

	for (uint i = 0; i < TM; i++) {
		uint m = m0 + tile_m(i);
		if (m >= p.c_count) {
			continue;
		}
		for (uint j = 0; j < TN; j++) {
			uint r = r0 + tile_n(j);
			if (r < R) {
				dw[p.y_off + m * R + r] += acc[i][j];
			}
		}
	}
}
