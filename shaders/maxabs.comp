#version 450
// maxabs: see reduce.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_MAXABS
#include "reduce.glsl"
