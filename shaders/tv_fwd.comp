#version 450
// tv_fwd: see loss.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_TV_FWD
#include "loss.glsl"
