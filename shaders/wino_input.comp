#version 450
// wino_input: see wino.glsl.
#extension GL_GOOGLE_include_directive : require
#define OP_INPUT
#include "wino.glsl"
