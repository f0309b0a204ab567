// upsample.glsl: nearest-neighbour upsampling by an integer factor S over
// a run of planes (H×W in, H·S×W·S out), forward and backward. The
// including .comp defines OP_FWD or OP_BWD.
//
//   upsample_fwd: one invocation per output element, y = x[oy/S, ox/S].
//   upsample_bwd: one invocation per input element, dx += the sum of its
//                 S×S block of dy, added row by row; no two invocations
//                 write one element.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(push_constant) uniform Push {
	uint H, W;  // input plane
	uint S;     // factor
	uint count; // planes in this run
	uint off0;  // element index of the run's first plane in binding 0
	uint off1;  // ... in binding 1
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

void main() {
	uint i = flat_index();
	uint OW = p.W * p.S;
#if defined(OP_FWD)
	uint plane = p.H * p.S * OW;
	if (i >= p.count * plane) {
		return;
	}
	uint pl = i / plane, r = i % plane;
	uint oy = r / OW, ox = r % OW;
	y[p.off1 + i] = x[p.off0 + (pl * p.H + oy / p.S) * p.W + ox / p.S];
#else
	uint plane = p.H * p.W;
	if (i >= p.count * plane) {
		return;
	}
	uint pl = i / plane, r = i % plane;
	uint y0 = (r / p.W) * p.S, x0 = (r % p.W) * p.S;
	uint base = p.off0 + (pl * p.H * p.S + y0) * OW + x0;
	float s = 0.0;
	for (uint a = 0; a < p.S; a++) {
		for (uint c = 0; c < p.S; c++) {
			s += dy[base + a * OW + c];
		}
	}
	dx[p.off1 + i] += s;
#endif
}
