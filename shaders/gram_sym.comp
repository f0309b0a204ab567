#version 450
// gram_sym: see gram.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_SYM
#include "gram.glsl"
