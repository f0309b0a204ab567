package gpu

// vectorOp names an embedded vector kernel, shaders/<name>.spv. Batch's
// vector methods record only the kernels below, through these constants;
// vectorOps lists them, and TestVectorOpsEmbedded checks that each is
// embedded, so a renamed shader fails the tests, not the first run that
// needs it.
type vectorOp string

const (
	opFill     vectorOp = "fill"
	opCopy     vectorOp = "copy"
	opScale    vectorOp = "scale"
	opAxpy     vectorOp = "axpy"
	opAxpyCoef vectorOp = "axpy_coef"
	opAdd      vectorOp = "add"
	opMul      vectorOp = "mul"
	opSum      vectorOp = "sum"
	opDot      vectorOp = "dot"
	opAbsSum   vectorOp = "asum"
	opMaxAbs   vectorOp = "maxabs"
)

// vectorOps lists every vectorOp; reduceOps marks the reductions
// (reduce.glsl), which take reduceItems and reduceLocalSize.
var (
	vectorOps = []vectorOp{opFill, opCopy, opScale, opAxpy, opAxpyCoef, opAdd, opMul, opSum, opDot, opAbsSum, opMaxAbs}
	reduceOps = map[vectorOp]bool{opSum: true, opDot: true, opAbsSum: true, opMaxAbs: true}
)
