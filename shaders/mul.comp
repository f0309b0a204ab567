#version 450
// mul: see eltwise.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_MUL
#include "eltwise.glsl"
