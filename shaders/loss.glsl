// loss.glsl: the mean squared error and total variation losses. The
// including .comp defines one OP_*.
//
// The forward kernels write partial sums, one per work group: group g adds
// the ITEMS·L elements of its range (thread t takes every L-th one from
// t, in order; L the work-group size, a power of two) and then the group's L
// sums in a fixed tree (groupsum.glsl), so the partials, and the loss the
// host reduces them to with the deterministic gpu sum, are the same bits
// on every run and whatever the bindings are split into.
//
//   mse_fwd: partial sums of (x−t)² over a flat range of n elements,
//            group g writing out[out_off + g].
//   tv_fwd:  partial sums of the total-variation terms of a run of planes:
//            element (h, w) adds (x[h+1,w]−x[h,w])² and (x[h,w+1]−x[h,w])²
//            where they exist. The grid is (groups per plane, planes);
//            group (g, pl) writes out[out_off + pl·gpp + g].
//   mse_bwd: dx += dloss·k·(x−t), k = 2/n, over a flat range.
//   tv_bwd:  dx += 2·dloss·∂/∂x of the pair differences, gathered per
//            element from its up to four neighbours.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint ITEMS = 16;

#if defined(OP_MSE_FWD)
layout(push_constant) uniform Push {
	uint n;       // elements in this dispatch
	uint out_off; // element index of this dispatch's first partial
} p;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer T { float tg[]; };
layout(std430, binding = 2) writeonly buffer Out { float y[]; };
#elif defined(OP_MSE_BWD)
layout(push_constant) uniform Push {
	uint n;  // elements in this dispatch
	float k; // 2/n for the whole tensor
} p;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer T { float tg[]; };
layout(std430, binding = 2) readonly buffer DL { float dloss[]; };
layout(std430, binding = 3) buffer DX { float dx[]; };
#elif defined(OP_TV_FWD)
layout(push_constant) uniform Push {
	uint H, W;
	uint count;   // planes in this run
	uint x_off;   // element index of the run's first plane in x
	uint gpp;     // groups per plane
	uint out_off; // element index of the run's first partial
} p;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Out { float y[]; };
#elif defined(OP_TV_BWD)
layout(push_constant) uniform Push {
	uint H, W;
	uint count;  // planes in this run
	uint x_off;  // element index of the run's first plane in x
	uint dx_off; // ... in dx
} p;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DL { float dloss[]; };
layout(std430, binding = 2) buffer DX { float dx[]; };
#else
#error "define one OP_*"
#endif

#if defined(OP_MSE_FWD) || defined(OP_TV_FWD)
#include "groupsum.glsl"
#endif

#if defined(OP_TV_FWD)
// tv_term is the total variation of element i (in-plane index r) of a plane
// starting at x[base]: its squared differences with the element below and
// the one to the right.
float tv_term(uint base, uint r) {
	uint h = r / p.W, w = r % p.W;
	float v = x[base + r];
	precise float s = 0.0;
	if (h + 1 < p.H) {
		float d = x[base + r + p.W] - v;
		s = d * d;
	}
	if (w + 1 < p.W) {
		float d = x[base + r + 1] - v;
		s += d * d;
	}
	return s;
}
#endif

void main() {
#if defined(OP_MSE_FWD)
	uint g = flat_group();
	uint L = gl_WorkGroupSize.x;
	uint base = g * ITEMS * L;
	if (base >= p.n) {
		return; // uniform across the group
	}
	precise float acc = 0.0;
	for (uint k = 0; k < ITEMS; k++) {
		uint i = base + k * L + gl_LocalInvocationID.x;
		if (i < p.n) {
			float d = x[i] - tg[i];
			acc = fma(d, d, acc);
		}
	}
	float s = group_sum(acc);
	if (gl_LocalInvocationID.x == 0) {
		y[p.out_off + g] = s;
	}
#elif defined(OP_TV_FWD)
	uint g = gl_WorkGroupID.x, pl = gl_WorkGroupID.y;
	uint L = gl_WorkGroupSize.x;
	uint plane = p.H * p.W;
	if (pl >= p.count) {
		return; // uniform across the group
	}
	uint base = p.x_off + pl * plane;
	precise float acc = 0.0;
	for (uint k = 0; k < ITEMS; k++) {
		uint r = (g * ITEMS + k) * L + gl_LocalInvocationID.x;
		if (r < plane) {
			acc += tv_term(base, r);
		}
	}
	float s = group_sum(acc);
	if (gl_LocalInvocationID.x == 0) {
		y[p.out_off + pl * p.gpp + g] = s;
	}
#elif defined(OP_MSE_BWD)
	uint i = flat_index();
	if (i >= p.n) {
		return;
	}
	dx[i] += (dloss[0] * p.k) * (x[i] - tg[i]);
#elif defined(OP_TV_BWD)
	uint i = flat_index();
	uint plane = p.H * p.W;
	if (i >= p.count * plane) {
		return;
	}
	uint r = i % plane;
	uint h = r / p.W, w = r % p.W;
	uint xi = p.x_off + i;
	float v = x[xi];
	precise float acc = 0.0;
	if (h > 0) {
		acc += v - x[xi - p.W];
	}
	if (w > 0) {
		acc += v - x[xi - 1];
	}
	if (h + 1 < p.H) {
		acc -= x[xi + p.W] - v;
	}
	if (w + 1 < p.W) {
		acc -= x[xi + 1] - v;
	}
	dx[p.dx_off + i] += 2.0 * dloss[0] * acc;
#endif
}
