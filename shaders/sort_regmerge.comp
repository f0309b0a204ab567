#version 450
// sort_regmerge: see sort.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_REGMERGE
#include "sort.glsl"
