#version 450
// tv_bwd: see loss.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_TV_BWD
#include "loss.glsl"
