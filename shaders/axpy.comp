#version 450
// axpy: see eltwise.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_AXPY
#include "eltwise.glsl"
