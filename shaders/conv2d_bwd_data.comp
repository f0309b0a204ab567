#version 450
// conv2d_bwd_data: dx += ∂L/∂x of y = conv(x, w), given dy = ∂L/∂y.
// It serves the convolutions that are strided or reflect-padded. The data
// gradient of a stride-1, zero-padded convolution (every VGG layer) is a
// convolution itself and runs on conv2d_fwd with FLAG_TRANSPOSED (or its
// shared-memory twin): see gpu/vkgraph/conv.go and docs/DESIGN.md §4.
// Each input sample gathers from the outputs that read it, so the kernel
// needs no atomics and is deterministic. With reflect padding a sample is
// also read through its mirror images (padded coordinates -i and
// 2(H-1)-i), whose gradients it collects too.
// Each invocation computes CI_T input channels × PX_T consecutive input
// pixels. Grid: x over pixel blocks of image p.n, y over blocks of the
// channels [c_base, c_base+c_count) of dx.
#extension GL_GOOGLE_include_directive : require
#include "conv.glsl"

#define CI_T 16
#define PX_T 4

INPUT(0, dy); // N×COut×OH×OW
INPUT(1, w);  // COut×CIn×KH×KW
layout(std430, binding = 2) buffer Out { float dx[]; };

// sources lists the padded coordinates that read input coordinate i of an
// axis of length len: i itself and, with reflect padding, its mirrors.
uint sources(int i, int len, out int q[3]) {
	q[0] = i;
	uint m = 1;
	if ((p.flags & FLAG_REFLECT) != 0u) {
		int pad = int(p.pad);
		if (i >= 1 && i <= pad) {
			q[m++] = -i;
		}
		if (i <= len - 2 && i >= len - 1 - pad) {
			q[m++] = 2 * (len - 1) - i;
		}
	}
	return m;
}

void main() {
	uint P = p.H * p.W;
	uint px0 = gl_GlobalInvocationID.x * PX_T;
	uint ci0 = p.c_base + gl_WorkGroupID.y * CI_T;
	uint ci_end = p.c_base + p.c_count;
	if (px0 >= P) {
		return;
	}
	int qy[PX_T][3], qx[PX_T][3];
	uint ny[PX_T], nx[PX_T];
	for (uint j = 0; j < PX_T; j++) {
		uint px = min(px0 + j, P - 1);
		ny[j] = sources(int(px / p.W), int(p.H), qy[j]);
		nx[j] = sources(int(px % p.W), int(p.W), qx[j]);
	}
	float acc[CI_T][PX_T];
	for (uint c = 0; c < CI_T; c++) {
		for (uint j = 0; j < PX_T; j++) {
			acc[c][j] = 0.0;
		}
	}
	uint K = p.KH * p.KW;
	int S = int(p.stride), pad = int(p.pad);
	int OH = int(p.OH), OW = int(p.OW);
	for (uint co = 0; co < p.COut; co++) {
		uint dybase = (p.n * p.COut + co) * p.OH * p.OW;
		for (uint ky = 0; ky < p.KH; ky++) {
			for (uint kx = 0; kx < p.KW; kx++) {
				float g[PX_T];
				for (uint j = 0; j < PX_T; j++) {
					g[j] = 0.0;
					for (uint a = 0; a < ny[j]; a++) {
						int oys = qy[j][a] + pad - int(ky);
						if (oys < 0 || oys % S != 0 || oys / S >= OH) {
							continue;
						}
						for (uint b = 0; b < nx[j]; b++) {
							int oxs = qx[j][b] + pad - int(kx);
							if (oxs < 0 || oxs % S != 0 || oxs / S >= OW) {
								continue;
							}
							g[j] += FETCH(dy, dybase + uint((oys / S) * OW + oxs / S));
						}
					}
				}
				uint widx = co * p.CIn * K + ky * p.KW + kx;
				for (uint c = 0; c < CI_T; c++) {
					uint ci = min(ci0 + c, ci_end - 1); // tail channels repeat, never stored
					float wv = FETCH(w, widx + ci * K);
					for (uint j = 0; j < PX_T; j++) {
						acc[c][j] = fma(wv, g[j], acc[c][j]);
					}
				}
			}
		}
	}
	for (uint c = 0; c < CI_T; c++) {
		uint ci = ci0 + c;
		if (ci >= ci_end) {
			break;
		}
		uint base = p.y_off + (ci - p.c_base) * P;
		for (uint j = 0; j < PX_T; j++) {
			if (px0 + j < P) {
				dx[base + px0 + j] += acc[c][j];
			}
		}
	}
}
