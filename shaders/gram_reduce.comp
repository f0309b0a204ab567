#version 450
// gram_reduce: see gram_shared.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_REDUCE
#include "gram_shared.glsl"
