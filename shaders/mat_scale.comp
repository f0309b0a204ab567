#version 450
// mat_scale: one step of the Newton–Schulz square root (gpu/vkgraph/
// matrix.go), over an n×n matrix, one invocation per element:
//
//   y = [y] + alpha·f·x + diag·I
//
// where the bracketed y is there with FLAG_ACC, the x term with FLAG_X,
// and f is 1, or 1/√s[0] with FLAG_INVSQRT, or s[0]^¼ with FLAG_QUARTER
// (s[0] a sum of squares: the matrix's Frobenius norm squared).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

const uint FLAG_X = 1u;
const uint FLAG_ACC = 2u;
const uint FLAG_INVSQRT = 4u;
const uint FLAG_QUARTER = 8u;

layout(push_constant) uniform Push {
	uint n; // the matrix's side
	uint flags;
	float alpha;
	float diag;
} p;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer S { float s[]; };
layout(std430, binding = 2) buffer Y { float y[]; };

void main() {
	uint i = flat_index();
	if (i >= p.n * p.n) {
		return;
	}
	float v = (p.flags & FLAG_ACC) != 0u ? y[i] : 0.0;
	if ((p.flags & FLAG_X) != 0u) {
		float f = p.alpha;
		if ((p.flags & FLAG_INVSQRT) != 0u) {
			f *= inversesqrt(s[0]);
		} else if ((p.flags & FLAG_QUARTER) != 0u) {
			f *= sqrt(sqrt(s[0]));
		}
		v += f * x[i];
	}
	if (i % (p.n + 1u) == 0u) {
		v += p.diag;
	}
	y[i] = v;
}
