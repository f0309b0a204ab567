// conv.glsl: what the convolution kernels share: their push constants and
// padded reads of the input. Inputs are read with read.glsl's INPUT and
// FETCH: texel buffers, or storage buffers in the "_storage" variants.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "read.glsl"

layout(push_constant) uniform Push {
	uint N, CIn, H, W;      // input
	uint COut, OH, OW;      // output
	uint KH, KW, stride, pad;
	uint flags;             // FLAG_* below
	uint n;                 // the image this dispatch works on
	uint c_base, c_count;   // the output channels (planes) it writes
	uint y_off;             // element index of channel c_base in the output binding
} p;

const uint FLAG_REFLECT = 1u;    // reflect padding instead of zeros
const uint FLAG_BIAS = 2u;       // add bias
const uint FLAG_TRANSPOSED = 4u; // conv2d_fwd reads w as its flipped transpose
const uint FLAG_ACCUMULATE = 8u; // conv2d_fwd adds to y instead of overwriting

// pad_index maps a padded coordinate q (may be negative or ≥ n) to the
// input coordinate it reads, or -1 for a zero of zero padding. Reflect
// padding mirrors without repeating the edge, like torch.
int pad_index(int q, int n) {
	if (q >= 0 && q < n) {
		return q;
	}
	if ((p.flags & FLAG_REFLECT) == 0u) {
		return -1;
	}
	return q < 0 ? -q : 2 * (n - 1) - q;
}
