#version 450
// wino_output: see wino.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_OUTPUT
#include "wino.glsl"
