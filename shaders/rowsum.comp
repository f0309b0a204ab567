#version 450
// rowsum: work group r adds the `cols` partial sums of row r of a matrix
// (in[r·cols …], the partials dots wrote for one vector) and writes the
// sum to out[out_offset + r]: thread t adds every L-th element from t, in
// order, then the group adds its L sums as a fixed binary tree. The long
// loop steps UNROLL elements at a time (common.glsl, llvmpipe's loop
// budget), adding them in a plain loop's order.
// Bindings: in, out.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(push_constant) uniform Push {
	uint cols;       // partials a row
	uint out_offset; // where row 0's sum goes
} p;

layout(std430, binding = 0) readonly buffer In { float x[]; };
layout(std430, binding = 1) buffer Out { float y[]; };

const uint MAX_LOCAL = 256;
shared float partial[MAX_LOCAL];

void main() {
	uint r = flat_group();
	uint L = gl_WorkGroupSize.x;
	uint t = gl_LocalInvocationID.x;
	uint row = r * p.cols;
	precise float acc = 0.0;
	uint steps = (p.cols + L * UNROLL - 1) / (L * UNROLL);
	for (uint s = 0; s < steps; s++) {
		for (uint u = 0; u < UNROLL; u++) {
			uint c = (s * UNROLL + u) * L + t;
			if (c < p.cols) {
				acc += x[row + c];
			}
		}
	}
	partial[t] = acc;
	barrier();
	for (uint s = L / 2; s > 0; s >>= 1) {
		if (t < s) {
			partial[t] += partial[t + s];
		}
		barrier();
	}
	if (t == 0) {
		y[p.out_offset + r] = partial[0];
	}
}
