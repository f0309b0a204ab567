#version 450
// conv2d_bwd_weight: dw += ∂L/∂w = Σ over images and output pixels of
// dy[n,co,oy,ox]·xp[n,ci,oy·S−P+ky,ox·S−P+kx], in a fixed order.
// Each invocation computes one weight position r = (ci, ky, kx) for CO_T
// output channels. Grid: x over r, y over blocks of the output channels
// [c_base, c_base+c_count); dw's row of channel c_base starts y_off
// elements into the output binding.
#extension GL_GOOGLE_include_directive : require
#include "conv.glsl"

#define CO_T 8

INPUT(0, x);  // N×CIn×H×W
INPUT(1, dy); // N×COut×OH×OW
layout(std430, binding = 2) buffer Out { float dw[]; };

void main() {
	uint K = p.KH * p.KW;
	uint R = p.CIn * K;
	uint r = gl_GlobalInvocationID.x; // y is the channel block
	if (r >= R) {
		return;
	}
	uint ci = r / K, ky = (r % K) / p.KW, kx = r % p.KW;
	uint co0 = p.c_base + gl_WorkGroupID.y * CO_T;
	uint co_end = p.c_base + p.c_count;
	float acc[CO_T];
	for (uint c = 0; c < CO_T; c++) {
		acc[c] = 0.0;
	}
	int H = int(p.H), W = int(p.W);
	uint P = p.OH * p.OW;
	for (uint n = 0; n < p.N; n++) {
		uint xbase = (n * p.CIn + ci) * p.H * p.W;
		for (uint oy = 0; oy < p.OH; oy++) {
			int iy = pad_index(int(oy * p.stride + ky) - int(p.pad), H);
			if (iy < 0) {
				continue;
			}
			for (uint ox0 = 0; ox0 < p.OW; ox0 += UNROLL) { // common.glsl
				for (uint u = 0; u < UNROLL; u++) {
					uint ox = ox0 + u;
					int ix = ox < p.OW ? pad_index(int(ox * p.stride + kx) - int(p.pad), W) : -1;
					if (ix >= 0) {
						float xv = FETCH(x, xbase + uint(iy * W + ix));
						uint px = oy * p.OW + ox;
						for (uint c = 0; c < CO_T; c++) {
							uint co = min(co0 + c, co_end - 1);
							acc[c] = fma(FETCH(dy, (n * p.COut + co) * P + px), xv, acc[c]);
						}
					}
				}
			}
		}
	}
	for (uint c = 0; c < CO_T; c++) {
		uint co = co0 + c;
		if (co >= co_end) {
			break;
		}
		dw[p.y_off + (co - p.c_base) * R + r] += acc[c];
	}
}
