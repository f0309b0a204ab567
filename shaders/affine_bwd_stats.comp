#version 450
// affine_bwd_stats: see affine.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_BWD_STATS
#include "affine.glsl"
