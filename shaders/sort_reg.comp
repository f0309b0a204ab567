#version 450
// sort_reg: see sort.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_REG
#include "sort.glsl"
