#version 450
// sort_merge: see sort.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_MERGE
#include "sort.glsl"
