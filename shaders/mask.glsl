// mask.glsl: a tensor weighted per pixel by one H×W mask shared by every
// plane, over a run of planes, forward and backward. The including .comp
// defines OP_FWD or OP_BWD.
//
//   mask_fwd: y = x·m, one invocation per element.
//   mask_bwd: dx += dy·m, one invocation per element.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(push_constant) uniform Push {
	uint plane; // H·W
	uint count; // planes in this run
	uint off0;  // element index of the run's first plane in binding 0
	uint off2;  // ... in binding 2
} p;

layout(std430, binding = 0) readonly buffer In { float x[]; }; // x or dy
layout(std430, binding = 1) readonly buffer M { float m[]; };
#if defined(OP_FWD)
layout(std430, binding = 2) writeonly buffer Out { float y[]; };
#elif defined(OP_BWD)
layout(std430, binding = 2) buffer Out { float y[]; }; // dx
#else
#error "define OP_FWD or OP_BWD"
#endif

void main() {
	uint i = flat_index();
	if (i >= p.count * p.plane) {
		return;
	}
	precise float v = x[p.off0 + i] * m[i % p.plane];
#if defined(OP_FWD)
	y[p.off2 + i] = v;
#else
	y[p.off2 + i] += v;
#endif
}
