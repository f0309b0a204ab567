// wino.glsl: the transforms of Winograd's minimal filtering F(2×2, 3×3)
// (Lavin & Gray 2016) for a 3×3, stride-1, pad-1 convolution of one image:
//
//   y tile (2×2) = Aᵀ [ Σ_ci U[ξ][co][ci] · V[ξ][ci][t] ]_ξ A,
//   U = G g Gᵀ (4×4 per filter g), V = Bᵀ d B (4×4 per input tile d)
//
// The sum over ci is 16 matrix products (one per ξ, the 16 positions of a
// 4×4 transformed tile), run by wino_gemm (gpu/vkgraph/winograd.go). The
// input channels are padded to cinp, a multiple of 4, with zeros in U and
// V. The including .comp defines one OP_*:
//
//   wino_filter: one invocation per (co, ci < cinp): U[ξ·ustride + co·cinp + ci].
//   wino_input:  one invocation per (ci < cinp, tile) of the chunk: reads
//                the 4×4 input patch at (2·ty − 1, 2·tx − 1) through the
//                padding (zeros, or reflection like torch), writes
//                V[(ξ·cinp + ci)·tpad + tile].
//   wino_output: one invocation per (co, tile): reads M[(ξ·COut + co)·tpad
//                + tile], writes the 2×2 outputs inside the image, + bias
//                (or adds them to y: the data gradient of a convolution,
//                whose filters are the forward's flipped and transposed).
//
// Tiles are numbered row-major over ⌈OH/2⌉×⌈OW/2⌉ (tw per row); a chunk is
// tiles [t0, t0 + tcount). Patches of the last row or column of tiles of
// an odd-sized output reach one row or column past the padding: they are
// read as zeros (zero padding) or clamped into the image (reflection),
// and feed only outputs that are not written.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "read.glsl"

layout(push_constant) uniform Push {
	uint CIn, COut, H, W, OH, OW;
	uint tw;      // tiles per row, ⌈OW/2⌉
	uint t0;      // the chunk's first tile
	uint tcount;  // tiles in the chunk
	uint tpad;    // tile stride of V and M (≥ tcount)
	uint ustride; // stride of U between positions ξ
	uint flags;   // 1: reflect padding; 2: add bias; 4: w is the forward's
	              // weights, read as their flipped transpose; 8: add to y
	uint x_off;   // element index of the image's first plane in x (or y)
	uint cinp;    // CIn rounded up to a multiple of 4
} p;

#if defined(OP_FILTER)
INPUT(0, w); // COut×CIn×3×3
layout(std430, binding = 1) writeonly buffer U { float u[]; };
#elif defined(OP_INPUT)
INPUT(0, x); // N×CIn×H×W
layout(std430, binding = 1) writeonly buffer V { float v[]; };
#elif defined(OP_OUTPUT)
INPUT(0, m);    // 16×COut×tpad
INPUT(1, bias); // COut
layout(std430, binding = 2) buffer Y { float y[]; };
#else
#error "define one OP_*"
#endif

#if defined(OP_INPUT)
// padded returns the input element at padded coordinates (r, c) of plane
// base: zeros or reflection past the edge, clamped past the padding.
float padded(uint base, int r, int c) {
	int H = int(p.H), W = int(p.W);
	if ((p.flags & 1u) == 0u) {
		if (r < 0 || r >= H || c < 0 || c >= W) {
			return 0.0;
		}
	} else {
		r = r < 0 ? -r : (r >= H ? 2 * (H - 1) - r : r);
		c = c < 0 ? -c : (c >= W ? 2 * (W - 1) - c : c);
		r = clamp(r, 0, H - 1);
		c = clamp(c, 0, W - 1);
	}
	return FETCH(x, base + uint(r * W + c));
}
#endif

void main() {
	uint i = flat_index();
#if defined(OP_FILTER)
	if (i >= p.COut * p.cinp) {
		return;
	}
	uint co = i / p.cinp, ci = i % p.cinp;
	float g[3][3];
	for (uint a = 0; a < 3; a++) {
		for (uint b = 0; b < 3; b++) {
			uint wi = (p.flags & 4u) != 0u ? (ci * p.COut + co) * 9u + (2u - a) * 3u + (2u - b) : (co * p.CIn + ci) * 9u + a * 3u + b;
			g[a][b] = ci < p.CIn ? FETCH(w, wi) : 0.0;
		}
	}
	// t = G g (4×3), G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
	float t[4][3];
	for (uint b = 0; b < 3; b++) {
		t[0][b] = g[0][b];
		t[1][b] = 0.5 * (g[0][b] + g[1][b] + g[2][b]);
		t[2][b] = 0.5 * (g[0][b] - g[1][b] + g[2][b]);
		t[3][b] = g[2][b];
	}
	// U = t Gᵀ (4×4)
	for (uint a = 0; a < 4; a++) {
		float r[4] = float[4](t[a][0], 0.5 * (t[a][0] + t[a][1] + t[a][2]), 0.5 * (t[a][0] - t[a][1] + t[a][2]), t[a][2]);
		for (uint b = 0; b < 4; b++) {
			u[(a * 4u + b) * p.ustride + i] = r[b];
		}
	}
#elif defined(OP_INPUT)
	if (i >= p.cinp * p.tcount) {
		return;
	}
	uint ci = i / p.tcount, tl = i % p.tcount, t = p.t0 + tl;
	int r0 = 2 * int(t / p.tw) - 1, c0 = 2 * int(t % p.tw) - 1;
	uint base = p.x_off + ci * p.H * p.W;
	float d[4][4];
	for (int a = 0; a < 4; a++) {
		for (int b = 0; b < 4; b++) {
			d[a][b] = ci < p.CIn ? padded(base, r0 + a, c0 + b) : 0.0;
		}
	}
	// s = Bᵀ d, Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]
	float s[4][4];
	for (uint b = 0; b < 4; b++) {
		s[0][b] = d[0][b] - d[2][b];
		s[1][b] = d[1][b] + d[2][b];
		s[2][b] = d[2][b] - d[1][b];
		s[3][b] = d[1][b] - d[3][b];
	}
	// V = s B
	for (uint a = 0; a < 4; a++) {
		float r[4] = float[4](s[a][0] - s[a][2], s[a][1] + s[a][2], s[a][2] - s[a][1], s[a][1] - s[a][3]);
		for (uint b = 0; b < 4; b++) {
			v[((a * 4u + b) * p.cinp + ci) * p.tpad + tl] = r[b];
		}
	}
#else
	if (i >= p.COut * p.tcount) {
		return;
	}
	uint co = i / p.tcount, tl = i % p.tcount, t = p.t0 + tl;
	float mm[4][4];
	for (uint a = 0; a < 4; a++) {
		for (uint b = 0; b < 4; b++) {
			mm[a][b] = FETCH(m, ((a * 4u + b) * p.COut + co) * p.tpad + tl);
		}
	}
	// Aᵀ = [1 1 1 0; 0 1 −1 −1]: q = Aᵀ mm (2×4), Y = q A (2×2)
	float q[2][4];
	for (uint b = 0; b < 4; b++) {
		q[0][b] = mm[0][b] + mm[1][b] + mm[2][b];
		q[1][b] = mm[1][b] - mm[2][b] - mm[3][b];
	}
	float bv = (p.flags & 2u) != 0u ? FETCH(bias, co) : 0.0;
	uint oy0 = 2u * (t / p.tw), ox0 = 2u * (t % p.tw);
	for (uint a = 0; a < 2; a++) {
		float r[2] = float[2](q[a][0] + q[a][1] + q[a][2], q[a][1] - q[a][2] - q[a][3]);
		for (uint b = 0; b < 2; b++) {
			uint oy = oy0 + a, ox = ox0 + b;
			if (oy < p.OH && ox < p.OW) {
				uint yi = p.x_off + (co * p.OH + oy) * p.OW + ox;
				y[yi] = r[b] + ((p.flags & 8u) != 0u ? y[yi] : bv);
			}
		}
	}
#endif
}
