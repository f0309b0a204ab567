#version 450
// add: see eltwise.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_ADD
#include "eltwise.glsl"
