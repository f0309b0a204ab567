#version 450
// wino_filter: see wino.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_FILTER
#include "wino.glsl"
