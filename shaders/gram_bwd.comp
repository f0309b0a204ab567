#version 450
// gram_bwd: see gram.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_BWD
#include "gram.glsl"
