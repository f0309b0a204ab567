// eltwise.glsl: element-wise kernels over float32 vectors. The including
// .comp defines exactly one OP_* and the number of inputs follows from it.
// Bindings: inputs first, output last. Push constants: n elements, scalar a.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(push_constant) uniform Push {
	uint n;
	float a;
} p;

#if defined(OP_FILL)
layout(std430, binding = 0) writeonly buffer Out { float y[]; };
#elif defined(OP_COPY) || defined(OP_SCALE)
layout(std430, binding = 0) readonly buffer In0 { float x[]; };
layout(std430, binding = 1) writeonly buffer Out { float y[]; };
#elif defined(OP_AXPY)
layout(std430, binding = 0) readonly buffer In0 { float x[]; };
layout(std430, binding = 1) buffer Out { float y[]; };
#elif defined(OP_ADD) || defined(OP_MUL)
layout(std430, binding = 0) readonly buffer In0 { float x[]; };
layout(std430, binding = 1) readonly buffer In1 { float z[]; };
layout(std430, binding = 2) writeonly buffer Out { float y[]; };
#else
#error "define one OP_*"
#endif

void main() {
	uint i = flat_index();
	if (i >= p.n) {
		return;
	}
#if defined(OP_FILL)
	y[i] = p.a;
#elif defined(OP_COPY)
	y[i] = x[i];
#elif defined(OP_SCALE)
	y[i] = p.a * x[i];
#elif defined(OP_AXPY)
	// precise: not contracted or reordered. fma() is one rounding on lavapipe;
	// Vulkan lets a GPU round the product and the sum separately.
	precise float r = fma(p.a, x[i], y[i]);
	y[i] = r;
#elif defined(OP_ADD)
	y[i] = x[i] + z[i];
#elif defined(OP_MUL)
	y[i] = x[i] * z[i];
#endif
}
