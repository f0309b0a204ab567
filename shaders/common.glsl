// common.glsl: the kernel contract shared by every vkstyle shader.
// Work-group size in x comes from specialisation constant 0, and kernels
// dispatched over a 1-D range use a 2-D grid when the range passes
// maxComputeWorkGroupCount[0]; flat_index() undoes that.
layout(local_size_x_id = 0) in;

uint flat_index() {
	return gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x + gl_GlobalInvocationID.x;
}

uint flat_group() {
	return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
}

// llvmpipe (lavapipe) stops a shader invocation after 65535 loop
// iterations in all its loops together (gallivm's LP_MAX_TGSI_LOOP_
// ITERATIONS, there to break infinite loops), silently: a sum over more
// elements than that comes out short. Loops of constant length are
// unrolled and do not count, so the long sums step UNROLL elements per
// iteration of a loop of variable length, with an inner loop of UNROLL
// steps adding them in the order a plain loop would: the same bits on
// every driver, and 8 times the reach on llvmpipe. What is longer still
// is cut into several dispatches (gram_fwd) or refused by vkgraph
// (Backend.loopBudget).
const uint UNROLL = 8u;
