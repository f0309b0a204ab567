#version 450
// affine_bwd_scale: see affine.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_BWD_SCALE
#include "affine.glsl"
