#version 450
// relu_bwd: dx += dy where y > 0; see relu.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_BWD
#include "relu.glsl"
