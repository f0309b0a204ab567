#version 450
// stats_bwd: see stats.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_BWD
#include "stats.glsl"
