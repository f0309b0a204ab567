// affine.glsl: per-channel affine normalisation over a run of planes (the
// N·C planes of H×W) and its gradients:
//
//   y = (x − mean[pl]) / std[pl] · scale[k] + shift[k]
//
// with pl the plane's index in the whole tensor and k its scale index:
// pl itself when per_image is set, else pl mod C (graph.AffineParams). The
// including .comp defines one OP_*:
//
//   affine_fwd:       one invocation per element.
//   affine_bwd_data:  one invocation per element, dx += dy·scale[k]/std.
//   affine_bwd_stats: one work group per plane; the group adds Σ dy and
//                     Σ dy·x̂ (x̂ = (x − mean)/std) in a fixed tree
//                     (groupsum.glsl), then dmean += −scale[k]/std·Σ dy,
//                     dstd += −scale[k]/std·Σ dy·x̂.
//   affine_bwd_scale: the same two sums; dscale[k] += Σ dy·x̂ and
//                     dshift[k] += Σ dy. The host runs one dispatch per
//                     image, so that no two groups of a dispatch add into
//                     the same k and the batch is added in order.
//
// The per-plane vectors and scale and shift are short (N·C elements) and
// read through texel buffers, scale and shift bound whole (so are dscale
// and dshift, as storage buffers); the rest is bound per run. Every kernel
// binds at most four storage buffers, the Vulkan minimum.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "read.glsl"

layout(push_constant) uniform Push {
	uint hw;        // elements per plane
	uint count;     // planes in this run
	uint first;     // index in the tensor of the run's first plane
	uint C;         // channels
	uint per_image; // scale index = plane (1) or plane mod C (0)
	uint off[6];    // element index of the run's first plane in each
	                // binding bound per run, in binding order
} p;

#if defined(OP_FWD)
layout(std430, binding = 0) readonly buffer X { float x[]; };
INPUT(1, mean);
INPUT(2, std_);
INPUT(3, scale);
INPUT(4, shift);
layout(std430, binding = 5) writeonly buffer Y { float y[]; };
#elif defined(OP_BWD_DATA)
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
INPUT(1, std_);
INPUT(2, scale);
layout(std430, binding = 3) buffer DX { float dx[]; };
#elif defined(OP_BWD_STATS)
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
INPUT(2, mean);
INPUT(3, std_);
INPUT(4, scale);
layout(std430, binding = 5) buffer DM { float dmean[]; };
layout(std430, binding = 6) buffer DS { float dstd[]; };
#elif defined(OP_BWD_SCALE)
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
INPUT(2, mean);
INPUT(3, std_);
layout(std430, binding = 4) buffer DSC { float dscale[]; };
layout(std430, binding = 5) buffer DSH { float dshift[]; };
#else
#error "define one OP_*"
#endif

#if defined(OP_BWD_STATS) || defined(OP_BWD_SCALE)
#include "groupsum.glsl"
#endif

// scale_index returns the scale index of plane pl of the run.
uint scale_index(uint pl) {
	uint g = p.first + pl;
	return p.per_image != 0 ? g : g % p.C;
}

void main() {
#if defined(OP_FWD) || defined(OP_BWD_DATA)
	uint i = flat_index();
	if (i >= p.count * p.hw) {
		return;
	}
	uint pl = i / p.hw;
	uint k = scale_index(pl);
#if defined(OP_FWD)
	float xh = (x[p.off[0] + i] - FETCH(mean, p.off[1] + pl)) / FETCH(std_, p.off[2] + pl);
	y[p.off[3] + i] = xh * FETCH(scale, k) + FETCH(shift, k);
#else
	dx[p.off[2] + i] += dy[p.off[0] + i] * FETCH(scale, k) / FETCH(std_, p.off[1] + pl);
#endif
#else
	uint pl = flat_group();
	if (pl >= p.count) {
		return; // uniform across the group
	}
	uint L = gl_WorkGroupSize.x, t = gl_LocalInvocationID.x;
	float m = FETCH(mean, p.off[2] + pl), s = FETCH(std_, p.off[3] + pl);
	uint xb = p.off[0] + pl * p.hw, db = p.off[1] + pl * p.hw;
	precise float a = 0.0, b = 0.0;
	for (uint r0 = t; r0 < p.hw; r0 += UNROLL * L) { // common.glsl
		for (uint u = 0; u < UNROLL; u++) {
			uint r = r0 + u * L;
			if (r < p.hw) {
				float g = dy[db + r];
				a += g;
				b += g * ((x[xb + r] - m) / s);
			}
		}
	}
	float sa = group_sum(a);
	float sb = group_sum(b);
	if (t != 0) {
		return;
	}
	uint k = scale_index(pl);
#if defined(OP_BWD_STATS)
	float f = -FETCH(scale, k) / s;
	dmean[p.off[4] + pl] += f * sa;
	dstd[p.off[5] + pl] += f * sb;
#else
	dscale[k] += sb;
	dshift[k] += sa;
#endif
#endif
}
