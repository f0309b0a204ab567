#version 450
// sort_local: see sort.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_LOCAL
#include "sort.glsl"
