// gram.glsl: what the register-tiled Gram kernels share (gram_fwd.comp,
// gram_sym.comp, gram_bwd.comp, one kernel each): Gram matrices of feature
// maps, forward and backward, as register-blocked GEMMs reading the
// features with read.glsl (texel buffers, or storage buffers in the
// "_storage" variants). For image n the features are F = x[n], a C×HW
// matrix; its rows are channels.
//
//   gram_fwd: g[n] = F·Fᵀ/(C·HW). Binding 0 holds the rows [i0, i0+ci) of F,
//             binding 1 the rows [j0, j0+cj), binding 2 the rows of g[n]
//             from g_row on. Each invocation computes a 4×4 block of g[i][j]
//             for i, j in those runs, its channels aligned to multiples of
//             4 and masked to the runs. Where all of g[n] is bound
//             (FLAG_MIRROR) every element is also written transposed, so the
//             host computes only the runs j0 ≥ i0 and, within one run
//             (FLAG_TRI), only the blocks on and above the diagonal: half
//             the products.
//   gram_sym: s = dg + dgᵀ, rows padded with zeros to CP (C rounded up to
//             a multiple of 4) so that gram_bwd reads it as vec4 texels:
//             the rows [j0, j0+cj) and columns [i0, iend) of s[n], from
//             the same rows of dg (binding 0) and the rows [i0, ...) of dg
//             (binding 1).
//   gram_bwd: dx[n] += s·F/(C·HW) = (dg+dgᵀ)·F/(C·HW). Binding 0 holds the
//             rows [j0, j0+cj) of s, binding 1 the same rows of F, binding
//             2 the rows [i0, i0+ci) of dx[n]. Each invocation computes 4
//             rows × 4 columns of dx, reading s[j][i..i+3] (s is
//             symmetric) and F[j][k..k+3] as one vec4 each per j. The host
//             issues one dispatch per run of rows j when F[n] does not fit
//             one binding; they add up in dx.
//
// Every element is a sum in a fixed order (k, or j, ascending), so the
// results are the same bits on every run; g is exactly symmetric.
//
// VEC (specialisation constant 1) is the components of the F texels: 4
// when HW is a multiple of 4 (the offsets are then too), else 1.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "read.glsl"

layout(constant_id = 1) const uint VEC = 4;

#include "gram_push.glsl"

// fetch4(t, row, e, last) is elements e..e+3 of F's row starting at
// element row of input t: one group of four when VEC is 4 (e and row
// multiples of 4), else four elements, each index clamped to last (masked
// by the caller). A macro, since an input may be a storage buffer.
#define fetch4(t, row, e, last) (VEC == 4 ? FETCH4(t, ((row) + (e)) / 4u) : \
	vec4(FETCH(t, (row) + min((e), (last))), FETCH(t, (row) + min((e) + 1u, (last))), \
		FETCH(t, (row) + min((e) + 2u, (last))), FETCH(t, (row) + min((e) + 3u, (last)))))
