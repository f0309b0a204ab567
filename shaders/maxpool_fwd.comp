#version 450
// maxpool_fwd: see pool.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_MAX_FWD
#include "pool.glsl"
