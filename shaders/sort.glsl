// sort.glsl: sorting each plane of a run of planes ascending by (value,
// index in the plane), and the gradient of the sort. The including .comp
// defines one OP_*.
//
//   sort_local: a work group sorts a block of SORT_BLOCK elements of one
//              plane in shared memory, reading x and writing y and perm
//              (perm[i] = i, the index in the plane as a float, exact
//              below 2^24, before sorting): every step of merge sizes up
//              to SORT_BLOCK in one dispatch.
//   sort_merge: a work group runs the steps j = SORT_BLOCK/2, …, 1 of a
//              merge of size k > SORT_BLOCK on a block of y and perm in
//              shared memory: those steps pair elements within a block.
//   sort_reg, sort_regmerge: the same with one invocation per block of
//              SORT_REG elements held in its own arrays: for devices where
//              shared memory and barriers are slow (lavapipe runs a work
//              group's invocations one after another between barriers).
//   sort_step: one compare-exchange step of a bitonic sorting network over
//              P = 2^⌈log2 n⌉ elements per plane, one invocation per pair.
//              The host records the steps for merge sizes k = 2, 4, …, P
//              and, within each, j = k/2, k/4, …, 1. At j = k/2 an element
//              of the lower half of a block of k is paired with its mirror
//              in the upper half; at smaller j with the element j above.
//              Every pair puts the smaller at the lower index (the
//              "flipped" form of the network, with no descending blocks),
//              so the elements past n, which would be +∞, never move and
//              are never stored: a pair reaching past n is skipped. In
//              shared memory they are stored as +∞ with their own index,
//              which no exchange moves either.
//   sort_bwd:  dx[perm[i]] += dy[i], one invocation per element; perm is
//              a permutation of each plane, so no two invocations write
//              one element.
//   gather:    y[i] = x[idx[i]] within each plane, one invocation per
//              element of y.
//   gather_bwd: dx[idx[i]] += dy[i] within each plane, one invocation per
//              element of dy; the indices are distinct (Graph.Gather).
//
// Ties are broken by the index, so the order, and with it which element
// a gradient goes to, is the same on every device and the CPU reference.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(push_constant) uniform Push {
	uint n;     // elements per plane (of y for gather)
	uint count; // planes in this run
	uint pairs; // sort_step: P/2; sort_local, sort_merge: blocks per plane; gather: elements per plane of x
	uint k;     // sort_step: the merge size
	uint j;     // sort_step: the pair distance (k/2: mirrored)
	uint off0;  // element index of the run's first plane in binding 0
	uint off1;  // ... in binding 1
	uint off2;  // ... in binding 2
} p;

#if defined(OP_LOCAL) || defined(OP_REG)
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(std430, binding = 2) writeonly buffer Perm { float perm[]; };
#elif defined(OP_MERGE) || defined(OP_REGMERGE)
layout(std430, binding = 0) buffer Y { float y[]; };
layout(std430, binding = 1) buffer Perm { float perm[]; };
#elif defined(OP_STEP)
layout(std430, binding = 0) buffer Y { float y[]; };
layout(std430, binding = 1) buffer Perm { float perm[]; };
#elif defined(OP_BWD)
layout(std430, binding = 0) readonly buffer Perm { float perm[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) buffer DX { float dx[]; };
#elif defined(OP_GATHER)
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Idx { float idx[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
#elif defined(OP_GATHER_BWD)
layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) readonly buffer Idx { float idx[]; };
layout(std430, binding = 2) buffer DX { float dx[]; };
#else
#error "define one OP_*"
#endif

// pair returns the elements (a, b), a < b, of pair q of a step of merge
// size k and distance j, counted from the start of the plane.
uvec2 pair(uint q, uint k, uint j) {
	if (j == k / 2) {
		uint block = q / j, o = q % j;
		return uvec2(block * k + o, block * k + k - 1 - o);
	}
	uint a = q / j * 2 * j + q % j;
	return uvec2(a, a + j);
}

#if defined(OP_LOCAL) || defined(OP_MERGE)
#define SORT_BLOCK 1024
shared float sv[SORT_BLOCK];
shared float si[SORT_BLOCK];

// exchange orders shared elements a < b by (value, index).
void exchange(uint a, uint b) {
	float va = sv[a], vb = sv[b], ia = si[a], ib = si[b];
	if (va > vb || (va == vb && ia > ib)) {
		sv[a] = vb;
		sv[b] = va;
		si[a] = ib;
		si[b] = ia;
	}
}

// steps runs the steps of merge size k from distance j0 down to 1 on the
// block in shared memory, the group's invocations taking its pairs in
// turn, with a barrier after each step.
void steps(uint k, uint j0) {
	for (uint j = j0; j > 0; j /= 2) {
		for (uint q = gl_LocalInvocationID.x; q < SORT_BLOCK / 2; q += gl_WorkGroupSize.x) {
			uvec2 ab = pair(q, k, j);
			exchange(ab.x, ab.y);
		}
		barrier();
	}
}
#endif

#if defined(OP_REG) || defined(OP_REGMERGE)
#extension GL_EXT_control_flow_attributes : require
#define SORT_REG 32
// REXCHANGE orders the invocation's elements a < b of rv and ri (arrays
// of main: function-local arrays stay in registers where module-scope
// ones need not) by (value, index).
#define REXCHANGE(a, b) { \
	float va = rv[a], vb = rv[b], ia = ri[a], ib = ri[b]; \
	bool swap = va > vb || (va == vb && ia > ib); \
	rv[a] = swap ? vb : va; \
	rv[b] = swap ? va : vb; \
	ri[a] = swap ? ib : ia; \
	ri[b] = swap ? ia : ib; \
}
#endif

void main() {
#if defined(OP_REG) || defined(OP_REGMERGE)
	// One invocation per block: p.pairs is the plane's blocks.
	uint g = flat_index();
	if (g >= p.count * p.pairs) {
		return;
	}
	uint pl = g / p.pairs, base = g % p.pairs * SORT_REG;
	const float inf = uintBitsToFloat(0x7f800000u);
	float rv[SORT_REG], ri[SORT_REG];
	[[unroll]] for (uint e = 0; e < SORT_REG; e++) {
		uint at = base + e;
#if defined(OP_REG)
		rv[e] = at < p.n ? x[p.off0 + pl * p.n + at] : inf;
		ri[e] = float(at);
#else
		rv[e] = at < p.n ? y[p.off0 + pl * p.n + at] : inf;
		ri[e] = at < p.n ? perm[p.off1 + pl * p.n + at] : float(at);
#endif
	}
	// Every loop has constant bounds and is unrolled: the arrays are then
	// indexed by constants, which keeps them in registers.
#if defined(OP_REG)
	[[unroll]] for (uint k = 2; k <= SORT_REG; k *= 2) {
		[[unroll]] for (uint j = k / 2; j > 0; j /= 2) {
			[[unroll]] for (uint q = 0; q < SORT_REG / 2; q++) {
				uvec2 ab = pair(q, k, j);
				REXCHANGE(ab.x, ab.y)
			}
		}
	}
	uint oy = p.off1, op = p.off2;
#else
	// A merge of size k > SORT_REG: its steps j < SORT_REG are not mirrored.
	[[unroll]] for (uint j = SORT_REG / 2; j > 0; j /= 2) {
		[[unroll]] for (uint q = 0; q < SORT_REG / 2; q++) {
			uint a = q / j * 2 * j + q % j;
			REXCHANGE(a, a + j)
		}
	}
	uint oy = p.off0, op = p.off1;
#endif
	[[unroll]] for (uint e = 0; e < SORT_REG; e++) {
		uint at = base + e;
		if (at < p.n) {
			y[oy + pl * p.n + at] = rv[e];
			perm[op + pl * p.n + at] = ri[e];
		}
	}
#elif defined(OP_LOCAL) || defined(OP_MERGE)
	// One group per block: p.pairs is the plane's blocks.
	uint g = flat_group();
	if (g >= p.count * p.pairs) {
		return; // the whole group: barriers stay uniform
	}
	uint pl = g / p.pairs, base = g % p.pairs * SORT_BLOCK;
	const float inf = uintBitsToFloat(0x7f800000u);
	for (uint e = gl_LocalInvocationID.x; e < SORT_BLOCK; e += gl_WorkGroupSize.x) {
		uint at = base + e;
#if defined(OP_LOCAL)
		sv[e] = at < p.n ? x[p.off0 + pl * p.n + at] : inf;
#else
		sv[e] = at < p.n ? y[p.off0 + pl * p.n + at] : inf;
		si[e] = at < p.n ? perm[p.off1 + pl * p.n + at] : float(at);
#endif
#if defined(OP_LOCAL)
		si[e] = float(at);
#endif
	}
	barrier();
#if defined(OP_LOCAL)
	for (uint k = 2; k <= SORT_BLOCK; k *= 2) {
		steps(k, k / 2);
	}
	uint oy = p.off1, op = p.off2;
#else
	steps(p.k, SORT_BLOCK / 2);
	uint oy = p.off0, op = p.off1;
#endif
	for (uint e = gl_LocalInvocationID.x; e < SORT_BLOCK; e += gl_WorkGroupSize.x) {
		uint at = base + e;
		if (at < p.n) {
			y[oy + pl * p.n + at] = sv[e];
			perm[op + pl * p.n + at] = si[e];
		}
	}
#else
	uint i = flat_index();
#if defined(OP_STEP)
	if (i >= p.count * p.pairs) {
		return;
	}
	uint pl = i / p.pairs;
	uvec2 ab = pair(i % p.pairs, p.k, p.j);
	uint a = ab.x, b = ab.y;
	if (b >= p.n) {
		return;
	}
	uint ya = p.off0 + pl * p.n + a, yb = p.off0 + pl * p.n + b;
	uint pa = p.off1 + pl * p.n + a, pb = p.off1 + pl * p.n + b;
	float va = y[ya], vb = y[yb];
	float ia = perm[pa], ib = perm[pb];
	if (va > vb || (va == vb && ia > ib)) {
		y[ya] = vb;
		y[yb] = va;
		perm[pa] = ib;
		perm[pb] = ia;
	}
#else
	if (i >= p.count * p.n) {
		return;
	}
	uint pl = i / p.n, r = i % p.n;
#if defined(OP_BWD)
	dx[p.off2 + pl * p.n + uint(perm[p.off0 + i])] += dy[p.off1 + i];
#elif defined(OP_GATHER)
	y[p.off2 + i] = x[p.off0 + pl * p.pairs + uint(idx[r])];
#else
	dx[p.off2 + pl * p.pairs + uint(idx[r])] += dy[p.off0 + i];
#endif
#endif
#endif
}
