#version 450
// gather_bwd: see sort.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_GATHER_BWD
#include "sort.glsl"
