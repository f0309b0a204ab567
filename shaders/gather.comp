#version 450
// gather: see sort.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_GATHER
#include "sort.glsl"
