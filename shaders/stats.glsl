// stats.glsl: per-channel mean and standard deviation of a run of planes
// (the N·C planes of H×W), forward and backward. The including .comp
// defines OP_FWD or OP_BWD.
//
//   stats_fwd: one work group per plane. Thread t adds the elements t,
//              t+L, t+2L, ... in order, then the group adds its L sums in a
//              fixed tree (groupsum.glsl): mean = Σx/HW, then likewise
//              std = sqrt(Σ(x−mean)²/div + eps), div = HW (the biased
//              deviation) or HW − 1 (unbiased). The same input gives the
//              same bits on every run.
//   stats_bwd: one invocation per element:
//              dx += dmean/HW + dstd·(x−mean)/(div·std), the second term 0
//              where std is 0. The four per-plane vectors are read through
//              texel buffers, so the kernel binds two storage buffers: the
//              Vulkan minimum of maxPerStageDescriptorStorageBuffers is 4.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "read.glsl"

#if defined(OP_FWD)
layout(push_constant) uniform Push {
	uint hw;     // elements per plane
	uint count;  // planes in this run
	uint x_off;  // element index of the run's first plane in x
	uint m_off;  // ... in mean
	uint s_off;  // ... in std
	float eps;   // added to the variance
	float div;   // divides the squared deviations: hw, or hw − 1 (unbiased)
} p;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer M { float mean[]; };
layout(std430, binding = 2) writeonly buffer S { float std_[]; };
#include "groupsum.glsl"
#elif defined(OP_BWD)
layout(push_constant) uniform Push {
	uint hw;     // elements per plane
	uint count;  // planes in this run
	uint x_off;  // element index of the run's first plane in x
	uint m_off;  // ... in mean
	uint s_off;  // ... in std
	uint dm_off; // ... in dmean
	uint ds_off; // ... in dstd
	uint dx_off; // ... in dx
	float div;   // as in the forward
} p;
layout(std430, binding = 0) readonly buffer X { float x[]; };
INPUT(1, mean);
INPUT(2, std_);
INPUT(3, dmean);
INPUT(4, dstd);
layout(std430, binding = 5) buffer DX { float dx[]; };
#else
#error "define OP_FWD or OP_BWD"
#endif

void main() {
#if defined(OP_FWD)
	uint pl = flat_group();
	if (pl >= p.count) {
		return; // uniform across the group
	}
	uint L = gl_WorkGroupSize.x, t = gl_LocalInvocationID.x;
	uint base = p.x_off + pl * p.hw;
	precise float acc = 0.0;
	for (uint r0 = t; r0 < p.hw; r0 += UNROLL * L) { // common.glsl
		for (uint u = 0; u < UNROLL; u++) {
			uint r = r0 + u * L;
			if (r < p.hw) {
				acc += x[base + r];
			}
		}
	}
	float m = group_sum(acc) / float(p.hw);
	acc = 0.0;
	for (uint r0 = t; r0 < p.hw; r0 += UNROLL * L) {
		for (uint u = 0; u < UNROLL; u++) {
			uint r = r0 + u * L;
			if (r < p.hw) {
				float d = x[base + r] - m;
				acc = fma(d, d, acc);
			}
		}
	}
	float ss = group_sum(acc);
	if (t == 0) {
		mean[p.m_off + pl] = m;
		std_[p.s_off + pl] = sqrt(ss / p.div + p.eps);
	}
#else
	uint i = flat_index();
	if (i >= p.count * p.hw) {
		return;
	}
	uint pl = i / p.hw;
	float hw = float(p.hw);
	float g = FETCH(dmean, p.dm_off + pl) / hw;
	float s = FETCH(std_, p.s_off + pl);
	if (s != 0.0) {
		g += FETCH(dstd, p.ds_off + pl) * (x[p.x_off + i] - FETCH(mean, p.m_off + pl)) / (p.div * s);
	}
	dx[p.dx_off + i] += g;
#endif
}
