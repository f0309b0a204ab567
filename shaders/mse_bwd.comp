#version 450
// mse_bwd: see loss.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_MSE_BWD
#include "loss.glsl"
