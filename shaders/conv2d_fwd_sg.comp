#version 450
// conv2d_fwd_sg: conv2d_fwd with the weights fetched by subgroup; see
// conv_fwd.glsl. Needs subgroups of 8 or more lanes with shuffle and vote
// operations, and CO_T a multiple of 8.
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_KHR_shader_subgroup_vote : require
#define SUBGROUP_W
#include "conv_fwd.glsl"
