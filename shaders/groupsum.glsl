// groupsum.glsl: group_sum adds one float per invocation of a work group in
// a fixed binary tree over shared memory, so the result is the same bits on
// every run. Every invocation of the group must call it (it has barriers),
// and the work-group size must be a power of two, at most GROUP_MAX_LOCAL
// (vkgraph's reduceShape picks at most 256). The including file includes
// common.glsl first.

// A fixed size rather than gl_WorkGroupSize.x: some older mobile compilers
// mis-size shared arrays whose length is a specialisation constant.
const uint GROUP_MAX_LOCAL = 256;
shared float group_partial[GROUP_MAX_LOCAL];

float group_sum(float v) {
	uint t = gl_LocalInvocationID.x;
	group_partial[t] = v;
	barrier();
	for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
		if (t < s) {
			group_partial[t] += group_partial[t + s];
		}
		barrier();
	}
	float r = group_partial[0];
	barrier(); // group_partial may be reused
	return r;
}
