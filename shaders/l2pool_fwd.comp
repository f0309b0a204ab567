#version 450
// l2pool_fwd: see pool.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_L2_FWD
#include "pool.glsl"
