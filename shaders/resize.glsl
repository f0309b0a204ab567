// resize.glsl: bilinear resize of a run of planes, exactly like torch's
// interpolate(mode='bilinear', align_corners=False), forward and backward.
// The including .comp defines OP_FWD or OP_BWD.
//
// Along an axis resized from n to m, output o samples source coordinate
// src = max((o+0.5)·n/m − 0.5, 0) between i0 = ⌊src⌋ and i1 = min(i0+1, n−1)
// with weights 1−l1 and l1 = src−i0. Here src = num/(2m) with the integer
// num = max((2o+1)·n − m, 0), so i0 is exact and l1 is one division of
// exact values (correctly rounded on lavapipe; within Vulkan's 2.5 ulp on
// a GPU).
//
//   resize_fwd: one invocation per output element, the four weighted taps.
//   resize_bwd: one invocation per input element gathers the transpose:
//               the outputs whose taps include it are a contiguous range
//               per axis (i0 is monotonic in o), found by first_out, and it
//               adds their dy times its weight in each. Nothing is
//               scattered, so the sum has a fixed order.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(push_constant) uniform Push {
	uint IH, IW;   // input plane
	uint OH, OW;   // output plane
	uint count;    // planes in this run
	uint off0;     // element index of the run's first plane in binding 0
	uint off1;     // ... in binding 1
} p;

#if defined(OP_FWD)
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
#elif defined(OP_BWD)
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) buffer DX { float dx[]; };
#else
#error "define OP_FWD or OP_BWD"
#endif

// tap returns i0 for output o of an axis resized from n to m and sets l1.
int tap(int o, int n, int m, out float l1) {
	int num = max((2 * o + 1) * n - m, 0);
	int i0 = num / (2 * m); // src < n − 1/2, so i0 ≤ n−1
	l1 = float(num - i0 * 2 * m) / float(2 * m);
	return i0;
}

#if defined(OP_BWD)
// first_out returns the first output o in [0, m] whose i0 is at least k:
// a guess from the real-valued inverse, corrected with the exact tap.
int first_out(int k, int n, int m) {
	float l;
	int o = clamp(int(floor((float(k) + 0.5) * float(m) / float(n) - 0.5)), 0, m);
	while (o > 0 && tap(o - 1, n, m, l) >= k) {
		o--;
	}
	while (o < m && tap(o, n, m, l) < k) {
		o++;
	}
	return o;
}

// weight returns the weight input index i has in output o's interpolation.
float weight(int i, int o, int n, int m) {
	float l1;
	int i0 = tap(o, n, m, l1);
	int i1 = min(i0 + 1, n - 1);
	float w = 0.0;
	if (i0 == i) {
		w = 1.0 - l1;
	}
	if (i1 == i) {
		w += l1;
	}
	return w;
}
#endif

void main() {
	uint i = flat_index();
	int IH = int(p.IH), IW = int(p.IW), OH = int(p.OH), OW = int(p.OW);
#if defined(OP_FWD)
	uint plane = p.OH * p.OW;
	if (i >= p.count * plane) {
		return;
	}
	uint pl = i / plane, r = i % plane;
	int oy = int(r / p.OW), ox = int(r % p.OW);
	float ly, lx;
	int y0 = tap(oy, IH, OH, ly), x0 = tap(ox, IW, OW, lx);
	int y1 = min(y0 + 1, IH - 1), x1 = min(x0 + 1, IW - 1);
	uint base = p.off0 + pl * p.IH * p.IW;
	uint r0 = base + uint(y0 * IW), r1 = base + uint(y1 * IW);
	float top = (1.0 - lx) * x[r0 + x0] + lx * x[r0 + x1];
	float bottom = (1.0 - lx) * x[r1 + x0] + lx * x[r1 + x1];
	y[p.off1 + i] = (1.0 - ly) * top + ly * bottom;
#else
	uint plane = p.IH * p.IW;
	if (i >= p.count * plane) {
		return;
	}
	uint pl = i / plane, r = i % plane;
	int iy = int(r / p.IW), ix = int(r % p.IW);
	int oy0 = first_out(iy - 1, IH, OH), oy1 = first_out(iy + 1, IH, OH);
	int ox0 = first_out(ix - 1, IW, OW), ox1 = first_out(ix + 1, IW, OW);
	uint base = p.off0 + pl * p.OH * p.OW;
	precise float acc = 0.0;
	for (int oy = oy0; oy < oy1; oy++) {
		float wy = weight(iy, oy, IH, OH);
		precise float row = 0.0;
		for (int ox = ox0; ox < ox1; ox++) {
			row += weight(ix, ox, IW, OW) * dy[base + uint(oy * OW + ox)];
		}
		acc += wy * row;
	}
	dx[p.off1 + i] += acc;
#endif
}
