package vkgraph

import (
	"fmt"
	"os"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/graph"
)

// Winograd F(2×2, 3×3) for the forward 3×3, stride-1, pad-1 convolutions
// (every VGG layer, most of TransformerNet and AdaIN's networks), in the
// texel family: 16 multiplications for each 2×2 output tile and input
// channel instead of 36, 2.25 times fewer (Lavin & Gray 2016). Per image
// and chunk of output tiles (shaders/wino.glsl):
//
//  1. wino_filter: U = G g Gᵀ for every filter, 16×COut×CIn (once per
//     call: COut·CIn·9·16 multiplications, a fraction of a percent of
//     the convolution's);
//  2. wino_input: V = Bᵀ d B for every input tile, 16×CIn×tiles;
//  3. 16 products M_ξ = U_ξ·V_ξ (COut×CIn by CIn×tiles) in one dispatch
//     of wino_gemm, reading four floats at a time;
//  4. wino_output: y = Aᵀ M A + bias, the 2×2 outputs of each tile.
//
// The scratch buffers U, V and M belong to the backend and grow to the
// largest chunk; a chunk of tiles is sized so that V and M fit one texel
// binding, one storage binding and winoScratch elements.

// WinogradEnv is the environment variable that turns the Winograd path on
// or off for every backend of the process: "off", "on" (wherever it
// applies, whatever the size) or "auto" (the default; see useWinograd).
const WinogradEnv = "VKSTYLE_WINOGRAD"

// Winograd modes.
const (
	winoAuto = iota
	winoOn
	winoOff
)

// winoScratch bounds V and M, in float32 elements: 4 Mi (16 MiB) each.
const winoScratch = 4 << 20

// winoMinWork is the least work (FLOPs of the direct convolution) for
// which auto takes the Winograd path, and winoMinTiles the fewest output
// tiles (a 16×16 output): below them the transforms' passes, the filter
// transform above all (recomputed at every call, COut·CIn·16 values), and
// the 16 small products cost more than they save (BenchmarkWinograd:
// 512→512 at 8², 19 GFLOP/s direct, 9 as Winograd; 256→256 at 16², 19
// and 27).
const (
	winoMinWork  = 0.1e9
	winoMinTiles = 64
)

// winogradMode reads $VKSTYLE_WINOGRAD.
func winogradMode() (int, error) {
	switch v := os.Getenv(WinogradEnv); v {
	case "", "auto":
		return winoAuto, nil
	case "on":
		return winoOn, nil
	case "off":
		return winoOff, nil
	default:
		return 0, fmt.Errorf("vkgraph: %s=%q: want on, off or auto", WinogradEnv, v)
	}
}

// SetScratchLimit bounds the device memory of the backend's own scratch
// (the Winograd path's U, V and M) to about bytes, allocated whole at
// their first use: a run within a memory limit plans for it
// (ScratchBound). A convolution whose filter transform does not fit runs
// direct; the others take more, smaller chunks.
func (b *Backend) SetScratchLimit(bytes int64) {
	b.winoCap = int(min(max(bytes/12, 16*16*64), winoScratch)) // elements of each of the three
	b.winoFixed = true
}

// ScratchBound is the most device memory the backend's scratch holds
// besides what programs plan: 0 where the Winograd path never runs (off,
// the shared family, or auto on a GPU); with SetScratchLimit the three
// buffers at their capacity; else twice that, since a buffer that grows
// is replaced while work recorded with the old one is pending.
func (b *Backend) ScratchBound() int64 {
	if b.winograd == winoOff || b.kernels != FamilyTexel || (b.winograd == winoAuto && b.dev.Info.Type != gpu.CPU) {
		return 0
	}
	n := int64(3 * b.winoCap * 4)
	if !b.winoFixed {
		n *= 2
	}
	return n
}

// winoPlan is how a convolution runs as Winograd: tiles per row, tiles,
// and the chunk of tiles per pass with its padded stride.
type winoPlan struct {
	tw, tiles   int
	chunk, tpad int
	cinp        int // CIn rounded up to a multiple of 4 (wino_gemm's vec4 reads)
	ustride     int
}

// useWinograd returns the plan for p, or false when p runs directly: not
// 3×3, stride 1, pad 1; the shared family; off; auto on a GPU (measured on
// lavapipe only) or below winoMinWork or winoMinTiles; or operands a
// binding cannot hold.
func (b *Backend) useWinograd(p graph.Conv2DParams) (winoPlan, bool) {
	if b.winograd == winoOff || b.kernels != FamilyTexel || p.KH != 3 || p.KW != 3 || p.Stride != 1 || p.Pad != 1 {
		return winoPlan{}, false
	}
	if b.winograd == winoAuto && (b.dev.Info.Type != gpu.CPU || convFLOPs(p) < winoMinWork) {
		return winoPlan{}, false
	}
	texel := int(b.texelLimit())
	bind := int(b.dev.BindingLimit()/4) - 64 // elements, less an offset's alignment
	cinp := (p.CIn + 3) / 4 * 4
	ustride := (p.COut*cinp + 63) / 64 * 64
	wide := max(cinp, p.COut)
	oh, ow := p.OutH(), p.OutW()
	pl := winoPlan{tw: (ow + 1) / 2, tiles: (oh + 1) / 2 * ((ow + 1) / 2), cinp: cinp, ustride: ustride}
	// V is written through a storage binding and read through a texel
	// binding of vec4s, M written through a storage binding and read
	// through one of floats; U is a texel binding of vec4s.
	chunk := min(4*texel/(16*cinp), texel/(16*p.COut), min(bind, b.winoCap)/(16*wide)) / 16 * 16
	switch {
	case chunk < 16, 16*ustride/4 > texel, 16*ustride > bind, 16*ustride > b.winoCap, p.WShape().Len() > texel,
		p.COut*oh*ow > bind, p.XShape().Len() > texel:
		return winoPlan{}, false
	}
	if b.winograd == winoAuto && pl.tiles < winoMinTiles {
		return winoPlan{}, false
	}
	pl.chunk = min(chunk, pl.tiles)
	pl.tpad = (pl.chunk + 15) / 16 * 16 // whole register tiles of wino_gemm
	return pl, true
}

// scratch returns the backend's scratch buffer i (0 U, 1 V, 2 M) of at
// least n elements, replacing a smaller one (released once the work
// recorded with it has run).
func (b *Backend) scratch(i, n int) *gpu.Buffer {
	if b.winoFixed {
		n = max(n, b.winoCap)
	}
	if s := b.wino[i]; s != nil && s.Size() >= uint64(n)*4 {
		return s
	}
	if b.wino[i] != nil {
		b.s.Release(b.wino[i])
		b.wino[i] = nil
	}
	buf, err := b.dev.NewBuffer([]string{"winograd U", "winograd V", "winograd M"}[i], uint64(n)*4)
	if err != nil {
		b.s.Fail(fmt.Errorf("vkgraph: Winograd scratch of %s: %w", gpu.Bytes(uint64(n)*4), err))
		return nil
	}
	b.wino[i] = buf
	return buf
}

// winoRun records y = conv(x, w) + bias by plan pl (bias nil: none); with
// transposed, p is the data gradient's convolution (dy in, dx out, padding
// 1: Conv2DBackwardData) and it records dx += conv(dy, flip(wᵀ)), w being
// the forward's weights.
func (b *Backend) winoRun(x0, w0, bias, y0 *Buffer, p graph.Conv2DParams, pl winoPlan, transposed bool) {
	cinp := pl.cinp
	u := b.scratch(0, 16*pl.ustride)
	v := b.scratch(1, 16*cinp*pl.tpad)
	m := b.scratch(2, 16*p.COut*pl.tpad)
	if u == nil || v == nil || m == nil {
		return
	}
	flags := uint32(0)
	if p.Reflect {
		flags |= 1
	}
	bb := w0 // bound but unread without a bias
	if bias != nil {
		flags |= 2
		bb = bias
	}
	if transposed {
		flags |= 4 | 8 // flipped transpose of w; accumulate into y
	}
	oh, ow := p.OutH(), p.OutW()
	words := func(t0, count int, off uint32) []uint32 {
		return []uint32{uint32(p.CIn), uint32(p.COut), uint32(p.H), uint32(p.W), uint32(oh), uint32(ow),
			uint32(pl.tw), uint32(t0), uint32(count), uint32(pl.tpad), uint32(pl.ustride), flags, off, uint32(cinp)}
	}
	spec := func(texel []int) gpu.KernelSpec { return gpu.KernelSpec{Texel: texel, PushSize: 56} }
	kf := b.kernel(kWinoFilter, spec([]int{1, 0}))
	ki := b.kernel(kWinoInput, spec([]int{1, 0}))
	ko := b.kernel(kWinoOutput, spec([]int{1, 1, 0}))
	co, px := winoTile(p)
	kg := b.kernel(kWinoGemm, gpu.KernelSpec{Texel: []int{4, 4, 0}, PushSize: 16, LocalSize: convLocal,
		Spec: []uint32{uint32(co), uint32(px)}})
	uAll, vAll, mAll := u.Range(0, uint64(16*pl.ustride)*4), v.Range(0, uint64(16*cinp*pl.tpad)*4), m.Range(0, uint64(16*p.COut*pl.tpad)*4)

	what := "conv forward"
	if transposed {
		what = "conv backward-data"
	}
	transforms, products := what+" winograd transforms", what+" winograd products"
	batch := b.s.Batch()
	restore := batch.WithLabel(transforms)
	defer restore()
	b.dispatchN(kf, p.COut*cinp, words(0, 0, 0), b.input(w0, false), uAll)
	yo := operand{x: y0, plane: p.COut * oh * ow}
	for n := 0; n < p.N; n++ {
		ybind, yoff := b.bindPlanes(yo, n, 1)
		xoff := uint32(n * p.CIn * p.H * p.W)
		for t0 := 0; t0 < pl.tiles; t0 += pl.chunk {
			count := min(pl.chunk, pl.tiles-t0)
			batch.SetLabel(transforms)
			b.dispatchN(ki, cinp*count, words(t0, count, xoff), b.input(x0, false), vAll)
			batch.SetLabel(products)
			groups := [3]uint32{ceilDiv(int(ceilDiv(pl.tpad, px)), convLocal), ceilDiv(p.COut, co), 16}
			b.dispatch(kg, groups, []uint32{uint32(cinp), uint32(p.COut), uint32(pl.tpad), uint32(pl.ustride)}, vAll, uAll, mAll)
			batch.SetLabel(transforms)
			b.dispatchN(ko, p.COut*count, words(t0, count, yoff), mAll, b.input(bb, false), ybind)
		}
	}
}

// winoTile is wino_gemm's register tile (output channels × tiles) for p,
// measured on lavapipe (BenchmarkWinograd): 16×16 beat 32×16, 16×8 and
// 8×32 on most VGG and TransformerNet shapes; few output channels get
// 8×16 so that fewer are computed for nothing.
func winoTile(p graph.Conv2DParams) (co, px int) {
	if p.COut <= 8 {
		return 8, 16
	}
	return 16, 16
}

// closeWinograd releases the scratch buffers.
func (b *Backend) closeWinograd() {
	for i, s := range b.wino {
		if s != nil {
			b.s.Release(s)
			b.wino[i] = nil
		}
	}
}
