#version 450
// maxpool_bwd: see pool.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_MAX_BWD
#include "pool.glsl"
