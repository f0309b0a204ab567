#version 450
// mask_fwd: see mask.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_FWD
#include "mask.glsl"
