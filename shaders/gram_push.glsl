// gram_push.glsl: the push constants of the Gram kernels, shared by the
// register-tiled kernels (gram.glsl) and the shared-memory ones
// (gram_shared.glsl), which vkgraph drives with the same words, and the
// forward's numbering of blocks. The including file defines one OP_*;
// gram.glsl describes the fields.

#if defined(OP_FWD)
layout(push_constant) uniform Push {
	uint C, HW;
	uint i0, ci;  // the rows of binding 0 and of the output
	uint j0, cj;  // the rows of binding 1
	uint a_off;   // element index of row i0 in binding 0
	uint b_off;   // element index of row j0 in binding 1
	uint g_off;   // element index of row g_row of g[n] in binding 2
	uint g_row;   // i0, or 0 when all of g[n] is bound (FLAG_MIRROR)
	uint flags;   // FLAG_*
	float norm;   // C·HW
	uint k_arg;   // gram_fwd_shared with FLAG_PARTIAL: the length of each slice of HW;
	              // gram_fwd with FLAG_SPAN: the first element of the span it sums
} p;
const uint FLAG_TRI = 1u;     // the two runs of rows are one: compute the blocks bi ≤ bj
const uint FLAG_MIRROR = 2u;  // all of g[n] is bound: write g[j][i] too
const uint FLAG_PARTIAL = 4u; // gram_fwd_shared: work group row y sums the slice y of HW into matrix y
const uint FLAG_SPAN = 8u;    // gram_fwd: sum GRAM_SPAN elements of HW from k_arg (see gram_fwd.comp)

// GRAM_SPAN is the most elements of HW one gram_fwd dispatch sums: 2^14
// steps of 4, within llvmpipe's budget of 65535 loop iterations per
// invocation (common.glsl). vkgraph's gramSpan is the same number.
const uint GRAM_SPAN = 65536u;

// gram_pair returns the pair of blocks (bi, bj) that work item t computes:
// with FLAG_TRI the pairs bi ≤ bj numbered column by column, else all
// pairs, bi fastest over nbi. The caller bounds t.
uvec2 gram_pair(uint t, uint nbi) {
	if ((p.flags & FLAG_TRI) == 0u) {
		return uvec2(t % nbi, t / nbi);
	}
	// bj is the largest integer with bj(bj+1)/2 ≤ t. The float guess is
	// clamped before it is converted, since a float → uint conversion of a
	// negative value is undefined (sqrt may be a few ulps off and float(t)
	// rounds). Each correcting loop moves bj one step toward the answer and
	// is bounded; the guess is within one of it, as float's 24-bit
	// mantissa puts sqrt(8t+1) within a relative 2⁻²² of the truth. The
	// caller's t is far below 2³¹ (the pairs of at most a few thousand
	// blocks), which keeps bj ≤ 65534 and (bj+1)(bj+2) within a uint.
	float guess = (sqrt(8.0 * float(t) + 1.0) - 1.0) * 0.5;
	uint bj = uint(clamp(guess, 0.0, 65534.0));
	for (int i = 0; i < 4 && bj * (bj + 1u) / 2u > t; i++) {
		bj--;
	}
	for (int i = 0; i < 4 && (bj + 1u) * (bj + 2u) / 2u <= t; i++) {
		bj++;
	}
	return uvec2(t - bj * (bj + 1u) / 2u, bj);
}
#elif defined(OP_REDUCE)
layout(push_constant) uniform Push {
	uint CC;      // elements of one Gram matrix, C·C
	uint slices;  // partial matrices to add
	uint g_off;   // element index of g[n] in binding 1
	float norm;   // C·HW
} p;
#elif defined(OP_SYM)
layout(push_constant) uniform Push {
	uint C, CP;
	uint j0, cj;  // the rows of s (binding 2) and of dg in binding 0
	uint i0, iend; // the columns of s written; iend is CP for the last run
	uint a_off;   // element index of row j0 in binding 0
	uint b_off;   // element index of row i0 in binding 1
	uint s_off;   // element index of row j0 in binding 2
} p;
#elif defined(OP_BWD)
layout(push_constant) uniform Push {
	uint C, CP, HW;
	uint i0, ci;  // the rows of dx (binding 2)
	uint j0, cj;  // the rows of s and F (bindings 0 and 1)
	uint s_off;   // element index of row j0 in binding 0
	uint f_off;   // element index of row j0 in binding 1
	uint dx_off;  // element index of row i0 in binding 2
	float norm;   // C·HW
} p;
#else
#error "define one OP_*"
#endif
