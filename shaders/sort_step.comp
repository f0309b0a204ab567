#version 450
// sort_step: see sort.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_STEP
#include "sort.glsl"
