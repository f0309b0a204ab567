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
