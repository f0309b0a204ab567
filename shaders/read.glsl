// read.glsl: how kernels read their input tensors. INPUT(b, name) declares
// binding b as a read-only tensor of floats; FETCH(name, i) reads element i
// (a uint) and FETCH4(name, i) the i-th group of four (elements 4i..4i+3).
//
// By default an input is a uniform texel buffer read with texelFetch: how
// lavapipe reads memory quickly (docs/DESIGN.md §5), cached on
// every GPU. A texel buffer holds at most maxTexelBufferElements texels —
// 65536 on the Vulkan minimum, which one 256×256 plane fills — so every
// kernel that reads through texels is also built with STORAGE_READS (the
// "_storage" variants in shaders/variants.txt), which binds the same inputs
// as read-only storage buffers; the host picks that variant for an op whose
// operands do not fit a texel buffer (gpu/vkgraph/bind.go). The host never
// binds more than 2³¹−1 texels, so the int that texelFetch takes cannot
// wrap; index arithmetic stays in uint.
#ifdef STORAGE_READS
#define INPUT(b, name) layout(std430, binding = b) readonly buffer name##_in { float name[]; }
#define FETCH(name, i) name[i]
#define FETCH4(name, i) vec4(name[4u * (i)], name[4u * (i) + 1u], name[4u * (i) + 2u], name[4u * (i) + 3u])
#else
#define INPUT(b, name) layout(binding = b) uniform samplerBuffer name
#define FETCH(name, i) texelFetch(name, int(i)).r
#define FETCH4(name, i) texelFetch(name, int(i))
#endif
