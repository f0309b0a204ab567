#version 450
// resize_bwd: see resize.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_BWD
#include "resize.glsl"
