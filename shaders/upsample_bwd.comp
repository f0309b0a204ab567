#version 450
// upsample_bwd: see upsample.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_BWD
#include "upsample.glsl"
