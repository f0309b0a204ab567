#version 450
// asum: see reduce.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_ASUM
#include "reduce.glsl"
