#version 450
// stats_fwd: see stats.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_FWD
#include "stats.glsl"
