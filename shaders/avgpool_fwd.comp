#version 450
// avgpool_fwd: see pool.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_AVG_FWD
#include "pool.glsl"
