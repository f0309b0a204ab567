#version 450
// dot: see reduce.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_DOT
#include "reduce.glsl"
