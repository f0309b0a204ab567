#version 450
// sort_bwd: see sort.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_BWD
#include "sort.glsl"
