#version 450
// affine_fwd: see affine.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_FWD
#include "affine.glsl"
