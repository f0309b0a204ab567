#version 450
// gram_fwd: see gram.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_FWD
#include "gram.glsl"
