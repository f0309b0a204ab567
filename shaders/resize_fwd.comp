#version 450
// resize_fwd: see resize.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_FWD
#include "resize.glsl"
