#version 450
// conv2d_bwd_bias: db[co] += Σ over images and output pixels of
// dy[n,co,oy,ox], one invocation per channel, summed in a fixed order.
#extension GL_GOOGLE_include_directive : require
#include "conv.glsl"

INPUT(0, dy); // N×COut×OH×OW
layout(std430, binding = 1) buffer Out { float db[]; };

void main() {
	uint co = flat_index();
	if (co >= p.COut) {
		return;
	}
	uint P = p.OH * p.OW;
	float acc = 0.0;
	for (uint n = 0; n < p.N; n++) {
		uint base = (n * p.COut + co) * P;
		for (uint i0 = 0; i0 < P; i0 += UNROLL) { // common.glsl
			for (uint u = 0; u < UNROLL; u++) {
				if (i0 + u < P) {
					acc += FETCH(dy, base + i0 + u);
				}
			}
		}
	}
	db[co] += acc;
}
