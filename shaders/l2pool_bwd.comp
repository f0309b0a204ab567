#version 450
// l2pool_bwd: see pool.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_L2_BWD
#include "pool.glsl"
