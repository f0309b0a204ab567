// pool.glsl: 2×2 max, average and L2 pooling, stride 2, forward and backward,
// over a run of planes (N·C planes of H×W in, OH×OW out, OH = H/2 and
// OW = W/2 rounded down; for max pooling in ceil mode, rounded up). The
// including .comp defines one OP_*.
//
// Ceil mode: a window of max pooling that passes the last row or column
// reads that row or column again instead; a repeat is never strictly
// greater than its original, which comes first in the scan, so the
// maximum and its place are those of the elements inside the image.
//
// The window of output (oy, ox) is scanned (0,0), (0,1), (1,0), (1,1); the
// max takes the first maximum in that order (a later element wins only if
// strictly greater), like torch, and the forward returns that element
// itself. Every kernel runs one invocation per window; the windows do not
// overlap, so in the backward kernels no two invocations write one element
// of dx (a trailing odd row or column belongs to no window and gets
// nothing).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(push_constant) uniform Push {
	uint H, W;   // input plane
	uint OH, OW; // output plane
	uint count;  // planes in this run
	uint off0;   // element index of the run's first plane in binding 0
	uint off1;   // ... in binding 1
	uint off2;   // ... in binding 2 (backward of max and L2 pooling)
	float scale; // L2 pooling: the factor of the window's norm
} p;

#if defined(OP_MAX_FWD) || defined(OP_AVG_FWD) || defined(OP_L2_FWD)
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
#elif defined(OP_MAX_BWD) || defined(OP_L2_BWD)
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) buffer DX { float dx[]; };
#elif defined(OP_AVG_BWD)
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) buffer DX { float dx[]; };
#else
#error "define one OP_*"
#endif

#if defined(OP_MAX_FWD) || defined(OP_MAX_BWD)
// window returns the offsets from its top-left element of the elements of
// the window of output (oy, ox) in scan order: a column or row past the
// plane's edge (ceil mode) repeats the last one.
uvec4 window(uint oy, uint ox) {
	uint dx = 2 * ox + 1 < p.W ? 1 : 0;
	uint dy = 2 * oy + 1 < p.H ? p.W : 0;
	return uvec4(0, dx, dy, dy + dx);
}

// argmax returns the offset of the first maximum of the window o whose
// top-left element is x[i].
uint argmax(uint i, uvec4 o) {
	uint k = 0;
	for (uint j = 1; j < 4; j++) {
		if (x[i + o[j]] > x[i + o[k]]) {
			k = j;
		}
	}
	return o[k];
}
#endif

void main() {
	// One invocation per window, that is per output element.
	uint i = flat_index();
	uint plane = p.OH * p.OW;
	if (i >= p.count * plane) {
		return;
	}
	uint pl = i / plane, r = i % plane;
	uint oy = r / p.OW, ox = r % p.OW;
	uint xi = (pl * p.H + 2 * oy) * p.W + 2 * ox; // the window's first element in the run
#if defined(OP_L2_FWD) || defined(OP_L2_BWD)
	uint a = p.off0 + xi;
	float n = sqrt((x[a] * x[a] + x[a + 1] * x[a + 1]) + (x[a + p.W] * x[a + p.W] + x[a + p.W + 1] * x[a + p.W + 1]));
#endif
#if defined(OP_MAX_FWD)
	y[p.off1 + i] = x[p.off0 + xi + argmax(p.off0 + xi, window(oy, ox))];
#elif defined(OP_L2_FWD)
	y[p.off1 + i] = p.scale * n;
#elif defined(OP_L2_BWD)
	if (n > 0) {
		float g = dy[p.off1 + i] * p.scale / n;
		uint d = p.off2 + xi;
		dx[d] += g * x[a];
		dx[d + 1] += g * x[a + 1];
		dx[d + p.W] += g * x[a + p.W];
		dx[d + p.W + 1] += g * x[a + p.W + 1];
	}
#elif defined(OP_AVG_FWD)
	uint a = p.off0 + xi;
	y[p.off1 + i] = ((x[a] + x[a + 1]) + (x[a + p.W] + x[a + p.W + 1])) * 0.25;
#elif defined(OP_MAX_BWD)
	dx[p.off2 + xi + argmax(p.off0 + xi, window(oy, ox))] += dy[p.off1 + i];
#else
	float g = dy[p.off0 + i] * 0.25;
	uint d = p.off1 + xi;
	dx[d] += g;
	dx[d + 1] += g;
	dx[d + p.W] += g;
	dx[d + p.W + 1] += g;
#endif
}
