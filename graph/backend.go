package graph

// Buffer is a backend's handle to device memory holding Len float32
// elements. Graph never looks inside a Buffer: a backend may split a large
// buffer across several bindings or allocations behind this interface.
type Buffer interface {
	// Len is the number of float32 elements the buffer holds, exactly as
	// requested from Alloc.
	Len() int
}

// Memory is the buffer half of a Backend.
type Memory interface {
	// Alloc returns a buffer of n float32 elements with unspecified
	// contents. name labels the buffer in errors and profiles. An
	// allocation failure is returned as an error; n < 1 is a programmer
	// error.
	Alloc(n int, name string) (Buffer, error)

	// Free releases b. Freeing a buffer twice is harmless; using a freed
	// buffer is a programmer error.
	Free(b Buffer)

	// Upload copies src (len(src) == b.Len()) into b. It is ordered with
	// the kernels: kernels issued before Upload see the old contents,
	// kernels issued after see src. src may be reused as soon as Upload
	// returns.
	Upload(b Buffer, src []float32) error

	// Download waits for every kernel issued so far and copies b into dst
	// (len(dst) == b.Len()). On a recording backend it submits the pending
	// work; errors of that work are returned here.
	Download(b Buffer, dst []float32) error

	// Flush submits every kernel issued so far and waits for it. A backend
	// that runs kernels immediately returns nil.
	Flush() error
}

// Kernels is the kernel half of a Backend: one method per primitive kernel,
// forward and backward. Kernels do not return errors: a recording backend
// records them and reports failures from the next Download or Flush; a
// length mismatch between a buffer and the params is a programmer error
// and panics.
//
// Argument order: the op kernels (everything from AbsSum down) take their
// buffers inputs first, outputs last, then a params struct. The level-1
// vector primitives Fill, Copy, Axpy and Scale take the destination
// first, like Go's copy(dst, src) and BLAS's y ← a·x + y read left to
// right: Copy(dst, src), Axpy(y, a, x). optim.Space and gpu.Batch follow
// the same rule.
//
// Conventions every backend must keep (graph/cpu is the specification and
// graph/graphtest checks them):
//   - Forward kernels (and Fill, Copy) overwrite their outputs.
//   - Backward kernels accumulate: dx += ∂L/∂x, dw += ∂L/∂w, and so on.
//     The tape zero-fills a gradient before its first contribution, so a
//     tensor with several consumers gets the sum of their gradients.
//   - Scalars (losses and their gradients) are 1-element buffers; nothing
//     is read back to the host inside a forward and backward pass.
//   - Kernels run as if one at a time in the order issued: a recording
//     backend inserts the barriers that make that true, buffers being
//     reused by later kernels once their tensor is dead.
//   - Layouts are NCHW float32, row-major; conv weights are
//     COut×CIn×KH×KW like torch.nn.Conv2d.
type Kernels interface {
	// Fill sets every element of dst to v.
	Fill(dst Buffer, v float32)
	// Copy sets dst = src (equal lengths).
	Copy(dst, src Buffer)
	// Axpy sets y += a·x (equal lengths).
	Axpy(y Buffer, a float32, x Buffer)
	// Scale sets dst *= a.
	Scale(dst Buffer, a float32)

	// AbsSum sets out[0] = Σᵢ |x[i]|, the L1 norm of x (out has 1
	// element), like torch.norm(x, 1).
	AbsSum(x, out Buffer)
	// AxpyNormalized accumulates dx[i] += g[i]·w/(norm[0] + w·eps) (dx as
	// long as g, norm 1 element): g rescaled by its L1 norm norm[0] (from
	// AbsSum), the backward of Graph.NormalizeGrad. The caller keeps
	// norm[0] + w·eps > 0.
	AxpyNormalized(g, norm, dx Buffer, w, eps float32)

	// Conv2DForward sets y = conv(x, w) + bias, a cross-correlation like
	// torch.nn.functional.conv2d, with the padding of p. bias may be nil
	// for no bias. See Conv2DParams for shapes.
	Conv2DForward(x, w, bias, y Buffer, p Conv2DParams)
	// Conv2DBackwardData accumulates dx += ∂L/∂x given dy = ∂L/∂y. With
	// reflect padding, the gradient of a padded sample goes to the input
	// sample it mirrors.
	Conv2DBackwardData(dy, w, dx Buffer, p Conv2DParams)
	// Conv2DBackwardWeight accumulates dw += ∂L/∂w, summed over the batch.
	Conv2DBackwardWeight(x, dy, dw Buffer, p Conv2DParams)
	// Conv2DBackwardBias accumulates db[co] += Σ_{n,y,x} dy[n,co,y,x].
	Conv2DBackwardBias(dy, db Buffer, p Conv2DParams)

	// ReLUForward sets y = max(x, 0) elementwise.
	ReLUForward(x, y Buffer)
	// ReLUBackward accumulates dx += dy where y > 0; where y = 0 (x ≤ 0)
	// it adds nothing, so relu'(0) = 0 like torch. It reads the forward
	// output y, not x.
	ReLUBackward(y, dy, dx Buffer)

	// MaxPool2x2Forward sets y to the maximum of each 2×2 window of x,
	// stride 2; s is the shape of x and y is N×C×⌊H/2⌋×⌊W/2⌋ (a trailing
	// odd row or column is dropped, like torch's floor mode).
	MaxPool2x2Forward(x, y Buffer, s Shape)
	// MaxPool2x2Backward accumulates dy into dx at the argmax of each
	// window, recomputed from x. The window is scanned (0,0), (0,1),
	// (1,0), (1,1) and a later element wins only if strictly greater, so
	// ties go to the first maximum in scan order, like torch.
	MaxPool2x2Backward(x, dy, dx Buffer, s Shape)
	// MaxPool2x2CeilForward is MaxPool2x2Forward in ceil mode: y is
	// N×C×⌈H/2⌉×⌈W/2⌉, and a window that passes the last row or column
	// takes the maximum of the elements inside (PoolShapeCeil).
	MaxPool2x2CeilForward(x, y Buffer, s Shape)
	// MaxPool2x2CeilBackward is MaxPool2x2Backward in ceil mode.
	MaxPool2x2CeilBackward(x, dy, dx Buffer, s Shape)
	// AvgPool2x2Forward sets y to the mean of each 2×2 window of x, stride
	// 2; shapes as for MaxPool2x2Forward.
	AvgPool2x2Forward(x, y Buffer, s Shape)
	// AvgPool2x2Backward accumulates dy/4 into each element of its window.
	AvgPool2x2Backward(dy, dx Buffer, s Shape)
	// L2Pool2x2Forward sets y to scale·√(Σx²) over each 2×2 window of x,
	// stride 2, floor mode.
	L2Pool2x2Forward(x, y Buffer, s Shape, scale float32)
	// L2Pool2x2Backward accumulates dy·scale·x/√(Σx²) into each element
	// of its window, nothing where the window is all zeros.
	L2Pool2x2Backward(x, dy, dx Buffer, s Shape, scale float32)

	// GramForward sets, for each batch element n with features F = x[n]
	// viewed as a C×(H·W) matrix, g[n] = F·Fᵀ / (C·H·W); g is N×1×C×C.
	// s is the shape of x.
	GramForward(x, g Buffer, s Shape)
	// GramBackward accumulates dx[n] += (dg[n] + dg[n]ᵀ)·F / (C·H·W).
	GramBackward(x, dg, dx Buffer, s Shape)

	// MSEForward sets loss[0] = Σᵢ (x[i]−t[i])² / n, n = x.Len(): the mean
	// over all elements, like torch.nn.functional.mse_loss.
	MSEForward(x, t, loss Buffer)
	// MSEBackward accumulates dx[i] += dloss[0]·2·(x[i]−t[i])/n. The target
	// t is a constant and gets no gradient.
	MSEBackward(x, t, dloss, dx Buffer)

	// TVForward sets loss[0] to the total variation of x (shape s): the sum
	// over n, c of Σ (x[h+1,w]−x[h,w])² over 0 ≤ h < H−1, 0 ≤ w < W plus
	// Σ (x[h,w+1]−x[h,w])² over 0 ≤ h < H, 0 ≤ w < W−1. Not normalised.
	TVForward(x, loss Buffer, s Shape)
	// TVBackward accumulates dx += dloss[0]·∂TV/∂x: each vertical or
	// horizontal pair with difference d = b−a adds 2·dloss·d to b and
	// subtracts it from a.
	TVBackward(x, dloss, dx Buffer, s Shape)

	// BilinearResizeForward resizes x to y by bilinear interpolation
	// exactly like torch.nn.functional.interpolate(mode='bilinear',
	// align_corners=False) given an output size; see ResizeParams.
	BilinearResizeForward(x, y Buffer, p ResizeParams)
	// BilinearResizeBackward accumulates into dx the transpose of the
	// forward interpolation applied to dy.
	BilinearResizeBackward(dy, dx Buffer, p ResizeParams)

	// ChannelMeanStdForward sets, for each (n, c), mean = Σ x / (H·W) and
	// std = sqrt(Σ (x−mean)² / D + Eps) with D = p.Divisor(): H·W, the
	// biased (population) standard deviation, torch's x.var(dim=(2,3),
	// unbiased=False) plus Eps under the square root; or H·W − 1 when
	// p.Unbiased. mean and std are N×C×1×1.
	ChannelMeanStdForward(x, mean, std Buffer, p StatsParams)
	// ChannelMeanStdBackward accumulates dx += dmean/(H·W) +
	// dstd·(x−mean)/(D·std), reading the forward outputs mean and std.
	// Where std is 0 the second term is taken as 0 (torch gives NaN).
	ChannelMeanStdBackward(x, mean, std, dmean, dstd, dx Buffer, p StatsParams)

	// ChannelAffineForward sets y = (x − mean)/std·scale + shift, per
	// plane and channel; see AffineParams. mean and std have N·C
	// elements, scale and shift p.ScaleLen().
	ChannelAffineForward(x, mean, std, scale, shift, y Buffer, p AffineParams)
	// ChannelAffineBackwardData accumulates dx += dy·scale/std.
	ChannelAffineBackwardData(dy, std, scale, dx Buffer, p AffineParams)
	// ChannelAffineBackwardStats accumulates, per plane (n, c) with
	// x̂ = (x − mean)/std and k its scale index, dmean += −scale[k]/std·Σ dy
	// and dstd += −scale[k]/std·Σ dy·x̂.
	ChannelAffineBackwardStats(x, mean, std, scale, dy, dmean, dstd Buffer, p AffineParams)
	// ChannelAffineBackwardScale accumulates dscale[k] += Σ dy·x̂ and
	// dshift[k] += Σ dy, each sum over the elements of every plane with
	// scale index k (the N planes of channel k in turn unless PerImage).
	ChannelAffineBackwardScale(x, mean, std, dy, dscale, dshift Buffer, p AffineParams)

	// UpsampleNearestForward sets y to x repeated p.Scale times in both
	// directions; see UpsampleParams.
	UpsampleNearestForward(x, y Buffer, p UpsampleParams)
	// UpsampleNearestBackward accumulates into each element of dx the sum
	// of its Scale×Scale block of dy.
	UpsampleNearestBackward(dy, dx Buffer, p UpsampleParams)

	// MaskForward sets y = x·m, m (H×W elements) the same weight for
	// every plane of x (shape s).
	MaskForward(x, m, y Buffer, s Shape)
	// MaskBackward accumulates dx += dy·m.
	MaskBackward(dy, m, dx Buffer, s Shape)

	// SortForward sets y to each plane of x sorted ascending by (value,
	// index in the plane) and perm[p, i] to the index in its plane that
	// y[p, i] came from, as a float32 value.
	SortForward(x, y, perm Buffer, s Shape)
	// SortBackward accumulates dx[p, perm[p, i]] += dy[p, i].
	SortBackward(perm, dy, dx Buffer, s Shape)
	// GatherForward sets y[p, i] = x[p, idx[i]] for the planes p of x
	// (shape s) and y (shape out).
	GatherForward(x, idx, y Buffer, s, out Shape)
	// GatherBackward accumulates dx[p, idx[i]] += dy[p, i]; the indices
	// are distinct.
	GatherBackward(idx, dy, dx Buffer, s, out Shape)
	// DotForward sets out[0] = Σᵢ x[i]·c[i] (x and c of equal lengths).
	DotForward(x, c, out Buffer)
	// DotBackward accumulates dx[i] += dout[0]·c[i].
	DotBackward(c, dout, dx Buffer)

	// MatMulForward sets y = a·b (see MatMulParams), each element a sum
	// over K.
	MatMulForward(a, b, y Buffer, p MatMulParams)
	// MatMulBackward accumulates da += dy·bᵀ and db += aᵀ·dy; da or db
	// may be nil for no gradient.
	MatMulBackward(a, b, dy, da, db Buffer, p MatMulParams)
	// SqrtmForward sets y to the Newton–Schulz square root of the matrix
	// a (see Graph.Sqrtm). work is scratch: SqrtmWork matrices of a's
	// size, then SqrtmScalars 1-element buffers.
	SqrtmForward(a, y Buffer, work []Buffer, p SqrtmParams)
	// SqrtmBackward accumulates into da the gradient of Graph.Sqrtm at
	// its output y given dy, by p.Iters Newton–Schulz iterations of the
	// Lyapunov equation; work as for SqrtmForward.
	SqrtmBackward(y, dy, da Buffer, work []Buffer, p SqrtmParams)
}

// Backend is a device that holds buffers and runs the primitive kernels.
// graph/cpu is the reference implementation; a GPU backend records the
// kernels into a command buffer and submits them on Download or Flush.
type Backend interface {
	Memory
	Kernels
}
