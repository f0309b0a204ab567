#version 450
// gram_fwd_shared: see gram_shared.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_FWD
#include "gram_shared.glsl"
