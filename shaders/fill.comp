#version 450
// fill: see eltwise.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_FILL
#include "eltwise.glsl"
