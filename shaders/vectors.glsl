// vectors.glsl: K read-only vectors v0 … v(K−1) bound from binding
// VEC_BASE on (K at most 15, a compile-time constant: glslc -DK=…), and
// vec_at(j, i), the i-th element of vector j. The multi-vector kernels
// (dots, combine) take a vector's products with, or a combination of,
// many vectors in one dispatch (optim.Space.DotsTo and Combine); K is
// chosen by the device's maxPerStageDescriptorStorageBuffers.
#if !defined(K) || K < 1 || K > 15
#error "define K, 1 to 15"
#endif
#ifndef VEC_BASE
#error "define VEC_BASE, the binding of v0"
#endif

#if K > 0
layout(std430, binding = 0 + VEC_BASE) readonly buffer V0 { float v0[]; };
#endif
#if K > 1
layout(std430, binding = 1 + VEC_BASE) readonly buffer V1 { float v1[]; };
#endif
#if K > 2
layout(std430, binding = 2 + VEC_BASE) readonly buffer V2 { float v2[]; };
#endif
#if K > 3
layout(std430, binding = 3 + VEC_BASE) readonly buffer V3 { float v3[]; };
#endif
#if K > 4
layout(std430, binding = 4 + VEC_BASE) readonly buffer V4 { float v4[]; };
#endif
#if K > 5
layout(std430, binding = 5 + VEC_BASE) readonly buffer V5 { float v5[]; };
#endif
#if K > 6
layout(std430, binding = 6 + VEC_BASE) readonly buffer V6 { float v6[]; };
#endif
#if K > 7
layout(std430, binding = 7 + VEC_BASE) readonly buffer V7 { float v7[]; };
#endif
#if K > 8
layout(std430, binding = 8 + VEC_BASE) readonly buffer V8 { float v8[]; };
#endif
#if K > 9
layout(std430, binding = 9 + VEC_BASE) readonly buffer V9 { float v9[]; };
#endif
#if K > 10
layout(std430, binding = 10 + VEC_BASE) readonly buffer V10 { float v10[]; };
#endif
#if K > 11
layout(std430, binding = 11 + VEC_BASE) readonly buffer V11 { float v11[]; };
#endif
#if K > 12
layout(std430, binding = 12 + VEC_BASE) readonly buffer V12 { float v12[]; };
#endif
#if K > 13
layout(std430, binding = 13 + VEC_BASE) readonly buffer V13 { float v13[]; };
#endif
#if K > 14
layout(std430, binding = 14 + VEC_BASE) readonly buffer V14 { float v14[]; };
#endif

float vec_at(uint j, uint i) {
	switch (j) {
#if K > 0
	case 0u: return v0[i];
#endif
#if K > 1
	case 1u: return v1[i];
#endif
#if K > 2
	case 2u: return v2[i];
#endif
#if K > 3
	case 3u: return v3[i];
#endif
#if K > 4
	case 4u: return v4[i];
#endif
#if K > 5
	case 5u: return v5[i];
#endif
#if K > 6
	case 6u: return v6[i];
#endif
#if K > 7
	case 7u: return v7[i];
#endif
#if K > 8
	case 8u: return v8[i];
#endif
#if K > 9
	case 9u: return v9[i];
#endif
#if K > 10
	case 10u: return v10[i];
#endif
#if K > 11
	case 11u: return v11[i];
#endif
#if K > 12
	case 12u: return v12[i];
#endif
#if K > 13
	case 13u: return v13[i];
#endif
#if K > 14
	case 14u: return v14[i];
#endif
	}
	return 0.0;
}
