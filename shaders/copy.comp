#version 450
// copy: see eltwise.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_COPY
#include "eltwise.glsl"
