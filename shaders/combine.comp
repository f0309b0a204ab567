#version 450
// combine: y[i] = Σ c_j·v_j[i] over the `count` vectors bound (at most
// K), added in the order of j through fma to 0, or to y[i] when
// accumulate is set (the later dispatches of gpu.Batch.Combine): the
// terms as Axpy would add them one by one.
// Bindings: v0 … v(K−1), y.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#ifndef K
#define K 3 // the minimum limits' 4 storage buffers
#endif
#define VEC_BASE 0
#include "vectors.glsl"

layout(push_constant) uniform Push {
	uint n;
	uint count;
	uint accumulate;
	float c[K];
} p;

layout(std430, binding = K) buffer Out { float y[]; };

void main() {
	uint i = flat_index();
	if (i >= p.n) {
		return;
	}
	precise float r = 0.0;
	if (p.accumulate != 0u) {
		r = y[i];
	}
	for (uint j = 0; j < K; j++) {
		if (j < p.count) {
			r = fma(p.c[j], vec_at(j, i), r);
		}
	}
	y[i] = r;
}
