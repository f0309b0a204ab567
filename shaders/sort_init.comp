#version 450
// sort_init: see sort.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_INIT
#include "sort.glsl"
