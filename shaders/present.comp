#version 450
// present: one frame of the live preview, packed 8-bit pixels for a
// swapchain image. Inputs: the image being optimised (3×H×W planar, in the
// network's input space), the content at the same size (3×H×W planar RGB
// in [0, 1], for original colours), and the content and style thumbnails
// (planar RGB in [0, 1], the style's after the content's in one buffer, so
// the kernel binds four storage buffers, the Vulkan minimum of
// maxPerStageDescriptorStorageBuffers). Output: out_w × out_h packed pixels.
//
// The picture is what stylize.Save would write: the image deprocessed
// (spec constants 1–9: rgb[r] = x[ch_r]·a_r + b_r, the inverse of
// vgg.Convention.Affine), optionally given the content's colours (the
// result's luma with the content's chroma, BT.601:
// rgb = content + (Y(rgb) − Y(content))), clamped to [0, 1]. It is drawn
// bilinearly (align corners false) into its letterboxed rectangle, the
// thumbnails likewise into theirs, the rest is background; the result is
// rounded to 8 bits like stylize.Save.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const float a0 = 1.0;
layout(constant_id = 2) const float a1 = 1.0;
layout(constant_id = 3) const float a2 = 1.0;
layout(constant_id = 4) const float b0 = 0.0;
layout(constant_id = 5) const float b1 = 0.0;
layout(constant_id = 6) const float b2 = 0.0;
layout(constant_id = 7) const int ch0 = 0;
layout(constant_id = 8) const int ch1 = 1;
layout(constant_id = 9) const int ch2 = 2;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer C { float content[]; };
layout(std430, binding = 2) readonly buffer T { float thumbs[]; }; // content's, then style's
layout(std430, binding = 3) writeonly buffer O { uint pix[]; };

const uint FLAG_BGRA = 1u;
const uint FLAG_ORIGINAL_COLOURS = 2u;

layout(push_constant) uniform P {
	uint n;            // out_w · out_h
	uint out_w;
	uint flags;
	uint w, h;         // the image (and the content)
	uint cw, ch;       // content thumbnail
	uint sw, sh;       // style thumbnail
	int mx, my, mw, mh; // rectangles in the frame: image,
	int cx, cy, cwr, chr; // content thumbnail,
	int sx, sy, swr, shr; // style thumbnail
} p;

const vec3 background = vec3(0.12, 0.12, 0.13);
const vec3 luma = vec3(0.299, 0.587, 0.114);

// Bilinear taps of output pixel o of a rectangle of size r over a source
// of size s: i0, i1 and the weight of i1.
void taps(int o, int r, uint s, out int i0, out int i1, out float f) {
	float c = max((float(o) + 0.5) * float(s) / float(r) - 0.5, 0.0);
	i0 = min(int(c), int(s) - 1);
	i1 = min(i0 + 1, int(s) - 1);
	f = c - float(i0);
}

// clamp01 clamps to [0, 1], NaN to 0, like stylize.Save.
vec3 clamp01(vec3 v) {
	return mix(vec3(0.0), min(v, vec3(1.0)), greaterThan(v, vec3(0.0)));
}

// pixel is the picture's pixel (xi, yi) as stylize.Save would write it:
// deprocessed, given the content's colours if asked, clamped.
vec3 pixel(int xi, int yi) {
	uint plane = p.w * p.h;
	uint o = uint(yi) * p.w + uint(xi);
	vec3 rgb = vec3(x[uint(ch0) * plane + o], x[uint(ch1) * plane + o], x[uint(ch2) * plane + o]);
	rgb = rgb * vec3(a0, a1, a2) + vec3(b0, b1, b2);
	if ((p.flags & FLAG_ORIGINAL_COLOURS) != 0u) {
		vec3 c = vec3(content[o], content[plane + o], content[2u * plane + o]);
		rgb = c + vec3(dot(luma, rgb) - dot(luma, c));
	}
	return clamp01(rgb);
}

// image is the picture resampled at pixel (ox, oy) of its rectangle.
vec3 image(int ox, int oy) {
	int x0, x1, y0, y1;
	float fx, fy;
	taps(ox, p.mw, p.w, x0, x1, fx);
	taps(oy, p.mh, p.h, y0, y1, fy);
	return mix(mix(pixel(x0, y0), pixel(x1, y0), fx), mix(pixel(x0, y1), pixel(x1, y1), fx), fy);
}

vec3 thumb(bool style, int ox, int oy) {
	int x0, x1, y0, y1;
	float fx, fy;
	uint w = style ? p.sw : p.cw;
	uint h = style ? p.sh : p.ch;
	taps(ox, style ? p.swr : p.cwr, w, x0, x1, fx);
	taps(oy, style ? p.shr : p.chr, h, y0, y1, fy);
	vec3 rgb;
	uint first = style ? 3u * p.cw * p.ch : 0u; // the style's follows the content's
	for (int r = 0; r < 3; r++) {
		uint base = first + uint(r) * w * h;
		float v00 = thumbs[base + uint(y0) * w + uint(x0)];
		float v01 = thumbs[base + uint(y0) * w + uint(x1)];
		float v10 = thumbs[base + uint(y1) * w + uint(x0)];
		float v11 = thumbs[base + uint(y1) * w + uint(x1)];
		rgb[r] = mix(mix(v00, v01, fx), mix(v10, v11, fx), fy);
	}
	return rgb;
}

bool inside(int x, int y, int rx, int ry, int rw, int rh) {
	return x >= rx && y >= ry && x < rx + rw && y < ry + rh;
}

// to8 is stylize.Save's rounding: NaN and negatives to 0, ≥ 1 to 255.
uint to8(float v) {
	if (!(v > 0.0)) {
		return 0u;
	}
	if (v >= 1.0) {
		return 255u;
	}
	return uint(v * 255.0 + 0.5);
}

void main() {
	uint i = flat_index();
	if (i >= p.n) {
		return;
	}
	int ox = int(i % p.out_w), oy = int(i / p.out_w);
	vec3 rgb = background;
	if (inside(ox, oy, p.mx, p.my, p.mw, p.mh)) {
		rgb = image(ox - p.mx, oy - p.my);
	} else if (inside(ox, oy, p.cx, p.cy, p.cwr, p.chr)) {
		rgb = thumb(false, ox - p.cx, oy - p.cy);
	} else if (inside(ox, oy, p.sx, p.sy, p.swr, p.shr)) {
		rgb = thumb(true, ox - p.sx, oy - p.sy);
	}
	uvec3 c = uvec3(to8(rgb.r), to8(rgb.g), to8(rgb.b));
	if ((p.flags & FLAG_BGRA) != 0u) {
		c = c.bgr;
	}
	pix[i] = c.x | (c.y << 8) | (c.z << 16) | (255u << 24);
}
