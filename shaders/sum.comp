#version 450
// sum: see reduce.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_SUM
#include "reduce.glsl"
