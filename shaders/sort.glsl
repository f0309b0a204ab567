// sort.glsl: sorting each plane of a run of planes ascending by (value,
// index in the plane), and the gradient of the sort. The including .comp
// defines one OP_*.
//
//   sort_init: y = x and perm[i] = i (the index in the plane, as a float,
//              exact below 2^24), one invocation per element.
//   sort_step: one compare-exchange step of a bitonic sorting network over
//              P = 2^⌈log2 n⌉ elements per plane, one invocation per pair.
//              The host records the steps for merge sizes k = 2, 4, …, P
//              and, within each, j = k/2, k/4, …, 1. At j = k/2 an element
//              of the lower half of a block of k is paired with its mirror
//              in the upper half; at smaller j with the element j above.
//              Every pair puts the smaller at the lower index (the
//              "flipped" form of the network, with no descending blocks),
//              so the elements past n, which would be +∞, never move and
//              are never stored: a pair reaching past n is skipped.
//   sort_bwd:  dx[perm[i]] += dy[i], one invocation per element; perm is
//              a permutation of each plane, so no two invocations write
//              one element.
//   gather:    y[i] = x[idx[i]] within each plane, one invocation per
//              element of y.
//
// Ties are broken by the index, so the order, and with it which element
// a gradient goes to, is the same on every device and the CPU reference.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(push_constant) uniform Push {
	uint n;     // elements per plane (of y for gather)
	uint count; // planes in this run
	uint pairs; // sort_step: P/2; gather: elements per plane of x
	uint k;     // sort_step: the merge size
	uint j;     // sort_step: the pair distance (k/2: mirrored)
	uint off0;  // element index of the run's first plane in binding 0
	uint off1;  // ... in binding 1
	uint off2;  // ... in binding 2
} p;

#if defined(OP_INIT)
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(std430, binding = 2) writeonly buffer Perm { float perm[]; };
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
#else
#error "define one OP_*"
#endif

void main() {
	uint i = flat_index();
#if defined(OP_STEP)
	if (i >= p.count * p.pairs) {
		return;
	}
	uint pl = i / p.pairs, q = i % p.pairs;
	uint a, b;
	if (p.j == p.k / 2) {
		uint block = q / p.j, o = q % p.j;
		a = block * p.k + o;
		b = block * p.k + p.k - 1 - o;
	} else {
		a = q / p.j * 2 * p.j + q % p.j;
		b = a + p.j;
	}
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
#if defined(OP_INIT)
	y[p.off1 + i] = x[p.off0 + i];
	perm[p.off2 + i] = float(r);
#elif defined(OP_BWD)
	dx[p.off2 + pl * p.n + uint(perm[p.off0 + i])] += dy[p.off1 + i];
#else
	y[p.off2 + i] = x[p.off0 + pl * p.pairs + uint(idx[r])];
#endif
#endif
}
