// relu.glsl: ReLU forward and backward, element-wise over the first n
// elements of each binding. The including .comp defines OP_FWD or OP_BWD.
// Like torch, y = x where x > 0 else +0 (also for -0 and NaN), and the
// backward passes dy where the forward output y > 0, so relu'(0) = 0.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(push_constant) uniform Push {
	uint n; // elements in this dispatch
} p;

#if defined(OP_FWD)
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
#elif defined(OP_BWD)
layout(std430, binding = 0) readonly buffer Y { float y[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) buffer DX { float dx[]; };
#else
#error "define OP_FWD or OP_BWD"
#endif

void main() {
	uint i = flat_index();
	if (i >= p.n) {
		return;
	}
#if defined(OP_FWD)
	float v = x[i];
	y[i] = v > 0.0 ? v : 0.0;
#else
	if (y[i] > 0.0) {
		dx[i] += dy[i];
	}
#endif
}
