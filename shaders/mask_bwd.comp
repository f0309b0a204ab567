#version 450
// mask_bwd: see mask.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_BWD
#include "mask.glsl"
