#version 450
// mse_fwd: see loss.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_MSE_FWD
#include "loss.glsl"
