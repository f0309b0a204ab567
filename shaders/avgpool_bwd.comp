#version 450
// avgpool_bwd: see pool.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_AVG_BWD
#include "pool.glsl"
