// conv_fwd.glsl: the body of conv2d_fwd and conv2d_fwd_sg. y = conv(x, w)
// + bias, a cross-correlation like torch's conv2d (graph.Conv2DParams). Each invocation computes CO_T output
// channels × PX_T consecutive output pixels in registers; the invocations
// of a work group share their channels, so weight reads are uniform across
// the group and input reads are consecutive along a row.
// With FLAG_TRANSPOSED|FLAG_ACCUMULATE it computes the data gradient of a
// stride-1, zero-padded convolution: dx += conv(dy, flip(wᵀ)) with padding
// K−1−P, where w is the forward weight (COut×CIn×KH×KW; here p.CIn is the
// forward's COut and p.COut its CIn).
// Grid: x over pixel blocks of image p.n, y over blocks of the channels
// [c_base, c_base+c_count); the output binding starts y_off elements before
// channel c_base of image n, so large outputs are written in several
// dispatches.
//
// conv2d_fwd_sg defines SUBGROUP_W and the subgroup extensions (so only its
// module declares those capabilities): the weights, the same for every
// invocation, are fetched 8 channels at once, one per lane of a group of 8, and handed to every
// lane with subgroupShuffle. Lavapipe does not see that a texel fetch is
// uniform: it gathers the same address into every lane, and those gathers
// took 40 % of a 32×16 tile's time. Subgroups run to the end as a whole
// (tail invocations compute on the last pixel and store nothing), so
// every lane is active at each shuffle.
#include "conv.glsl"

// The register tile, chosen by the host per shape (vkgraph's texelTile).
layout(constant_id = 1) const uint CO_T = 16;
layout(constant_id = 2) const uint PX_T = 4;

INPUT(0, x);    // N×CIn×H×W
INPUT(1, w);    // COut×CIn×KH×KW (transposed: CIn×COut×KH×KW)
INPUT(2, bias); // COut (any buffer when no bias)
layout(std430, binding = 3) buffer Out { float y[]; };

void main() {
	uint P = p.OH * p.OW;
	uint px0 = gl_GlobalInvocationID.x * PX_T;
	uint co0 = p.c_base + gl_WorkGroupID.y * CO_T;
	uint co_end = p.c_base + p.c_count;
	uint n = p.n;
	// Invocations past the pixels return; by whole subgroups with
	// SUBGROUP_W (the rest compute on the last pixel and store nothing).
#ifdef SUBGROUP_W
	if (subgroupAll(px0 >= P)) {
		return;
	}
#else
	if (px0 >= P) {
		return;
	}
#endif
	int iy0[PX_T], ix0[PX_T];
	for (uint j = 0; j < PX_T; j++) {
		uint px = min(px0 + j, P - 1); // tail pixels repeat the last one, never stored
		iy0[j] = int((px / p.OW) * p.stride) - int(p.pad);
		ix0[j] = int((px % p.OW) * p.stride) - int(p.pad);
	}
	float acc[CO_T][PX_T];
	for (uint c = 0; c < CO_T; c++) {
		for (uint j = 0; j < PX_T; j++) {
			acc[c][j] = 0.0;
		}
	}
	uint K = p.KH * p.KW;
	bool transposed = (p.flags & FLAG_TRANSPOSED) != 0u;
	uint cstride = transposed ? K : p.CIn * K;  // between output channels
	uint istride = transposed ? p.COut * K : K; // between input channels
	int H = int(p.H), W = int(p.W);
	for (uint ci = 0; ci < p.CIn; ci++) {
		uint xbase = (n * p.CIn + ci) * p.H * p.W;
		uint wbase = ci * istride;
		for (uint ky = 0; ky < p.KH; ky++) {
			int rows[PX_T];
			for (uint j = 0; j < PX_T; j++) {
				rows[j] = pad_index(iy0[j] + int(ky), H);
			}
			for (uint kx = 0; kx < p.KW; kx++) {
				float xv[PX_T];
				for (uint j = 0; j < PX_T; j++) {
					int col = pad_index(ix0[j] + int(kx), W);
					xv[j] = (rows[j] < 0 || col < 0) ? 0.0 : FETCH(x, xbase + uint(rows[j] * W + col));
				}
				uint k = ky * p.KW + kx;
				uint widx = wbase + (transposed ? K - 1u - k : k);
#ifdef SUBGROUP_W
				// Lane u of every 8 fetches channels co0+u, co0+8+u, ...
				float wl[(CO_T + 7) / 8]; // never 0 long, even where unused
				for (uint q = 0; q < CO_T / 8; q++) {
					uint co = min(co0 + 8 * q + gl_SubgroupInvocationID % 8u, co_end - 1);
					wl[q] = FETCH(w, co * cstride + widx);
				}
				for (uint c = 0; c < CO_T; c++) {
					float wv = subgroupShuffle(wl[c / 8], c % 8);
					for (uint j = 0; j < PX_T; j++) {
						acc[c][j] = fma(wv, xv[j], acc[c][j]);
					}
				}
#else
				for (uint c = 0; c < CO_T; c++) {
					uint co = min(co0 + c, co_end - 1); // tail channels repeat, never stored
					float wv = FETCH(w, co * cstride + widx);
					for (uint j = 0; j < PX_T; j++) {
						acc[c][j] = fma(wv, xv[j], acc[c][j]);
					}
				}
#endif
			}
		}
	}
	for (uint c = 0; c < CO_T; c++) {
		uint co = co0 + c;
		if (co >= co_end) {
			break;
		}
		float b = (p.flags & FLAG_BIAS) != 0u ? FETCH(bias, co) : 0.0;
		bool accumulate = (p.flags & FLAG_ACCUMULATE) != 0u;
		uint ybase = p.y_off + (co - p.c_base) * P;
		for (uint j = 0; j < PX_T; j++) {
			if (px0 + j < P) {
				uint i = ybase + px0 + j;
				y[i] = acc[c][j] + (accumulate ? y[i] : b);
			}
		}
	}
}
