#version 450
// gram_bwd_shared: see gram_shared.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_BWD
#include "gram_shared.glsl"
