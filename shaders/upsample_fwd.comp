#version 450
// upsample_fwd: see upsample.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_FWD
#include "upsample.glsl"
