#version 450
// affine_bwd_data: see affine.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_BWD_DATA
#include "affine.glsl"
