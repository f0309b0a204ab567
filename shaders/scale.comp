#version 450
// scale: see eltwise.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_SCALE
#include "eltwise.glsl"
