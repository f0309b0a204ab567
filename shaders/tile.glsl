// tile.glsl: the core of the shared-memory kernels (*_shared.comp), a
// matrix product C = A·B built the way a GPU wants it. A work group of
// TILE_THREADS invocations owns a BM×BN tile of C and walks the reduction
// BK at a time: each step it stages a BK×BM slice of A (stored
// transposed, As[k][m]) and a BK×BN slice of B (Bs[k][n]) in shared
// memory with coalesced reads from global memory, waits, and every
// invocation updates its TM×TN block of C in registers from shared memory.
//
// Invocation l owns rows tile_m(i) = l/16 + 16·i and columns
// tile_n(j) = l%16 + 16·j: neighbouring invocations read neighbouring
// shared words (no bank conflicts; the rows they share are broadcast) and
// store neighbouring outputs (coalesced). Rows of As and Bs carry PAD spare
// words so that a warp storing a transposed slice (consecutive k, two
// values of m) hits distinct banks.
//
// Sums run over the reduction in ascending order, zeros past its end, so
// results are the same bits on every run and, where fma is fused alike,
// the same as the register-tiled kernels' (which sum in the same order),
// except the sliced Gram forward (gram_shared.glsl), which adds slices.
//
// The including kernel fills As and Bs between tile_begin() and
// tile_end(); the work group must be exactly TILE_THREADS invocations
// (vkgraph's sharedLocal), and blocks past the end of the work return as a
// whole group, never between barriers.

#define BM 64
#define BN 64
#define BK 16
#define TM 4
#define TN 4
#define TILE_THREADS 256
#define PAD 2

shared float As[BK][BM + PAD];
shared float Bs[BK][BN + PAD];

float acc[TM][TN];

uint tile_m(uint i) {
	return gl_LocalInvocationID.x / 16u + 16u * i;
}

uint tile_n(uint j) {
	return gl_LocalInvocationID.x % 16u + 16u * j;
}

// tile_block_x is the block index along x: grids wider than
// maxComputeWorkGroupCount[0] fold their x blocks into z (vkgraph's
// foldGroups).
uint tile_block_x() {
	return gl_WorkGroupID.z * gl_NumWorkGroups.x + gl_WorkGroupID.x;
}

void tile_zero() {
	for (uint i = 0; i < TM; i++) {
		for (uint j = 0; j < TN; j++) {
			acc[i][j] = 0.0;
		}
	}
}

// tile_step waits for the staged slices, multiplies them into acc and
// waits again so that the next slice may overwrite them.
void tile_step() {
	memoryBarrierShared();
	barrier();
	for (uint k = 0; k < BK; k++) {
		float a[TM], b[TN];
		for (uint i = 0; i < TM; i++) {
			a[i] = As[k][tile_m(i)];
		}
		for (uint j = 0; j < TN; j++) {
			b[j] = Bs[k][tile_n(j)];
		}
		for (uint i = 0; i < TM; i++) {
			for (uint j = 0; j < TN; j++) {
				acc[i][j] = fma(a[i], b[j], acc[i][j]);
			}
		}
	}
	memoryBarrierShared();
	barrier();
}
