#version 450
// conv2d_fwd: see conv_fwd.glsl.
#extension GL_GOOGLE_include_directive : require
#include "conv_fwd.glsl"
