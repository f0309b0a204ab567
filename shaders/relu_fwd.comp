#version 450
// relu_fwd: y = max(x, 0); see relu.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_FWD
#include "relu.glsl"
