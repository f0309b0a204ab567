package vkoptim_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/gpu"
	"github.com/vkstyle/vkstyle/gpu/gputest"
	"github.com/vkstyle/vkstyle/gpu/vkoptim"
	"github.com/vkstyle/vkstyle/optim"
	"github.com/vkstyle/vkstyle/optim/optimtest"
)

// configs run the conformance test through the mapped path, a binding range
// of 4 KiB (1024 elements: the 4097-element vectors are split across
// dispatches) and the staging path of discrete GPUs.
var configs = []struct {
	name string
	opts gpu.Options
}{
	{"mapped", gpu.Options{}},
	{"split", gpu.Options{MaxBindingRange: 4096}},
	{"staging", gpu.Options{ForceStaging: true}},
}

// open returns a Space on a fresh device and stream, closed (and checked
// for leaks and validation messages) when the test ends.
func open(t testing.TB, opts gpu.Options) *vkoptim.Space {
	t.Helper()
	dev := gputest.Open(t, opts)
	st, err := dev.NewStream()
	if err != nil {
		t.Fatal(err)
	}
	sp := vkoptim.New(st)
	t.Cleanup(func() {
		if err := sp.Close(); err != nil {
			t.Error(err)
		}
		st.Close()
	})
	return sp
}

func TestSpace(t *testing.T) {
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			sp := open(t, c.opts)
			optimtest.TestSpaceTol(t, sp, optimtest.Float32Tol)
			if sp.Live() != 0 {
				t.Errorf("%d vectors live after the conformance test", sp.Live())
			}
		})
	}
}

// newVec and readVec are optimtest.NewVec and optimtest.ReadVec.
var (
	newVec  = optimtest.NewVec
	readVec = optimtest.ReadVec
)

func randData(seed uint64, n int) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	h := make([]float64, n)
	for i := range h {
		h[i] = float64(float32(rng.NormFloat64()))
	}
	return h
}

// TestAdamMatchesFloat32Space checks the fused kernel against
// Float32Space.Adam bit for bit on lavapipe (whose sqrt and division are
// IEEE); elsewhere Vulkan allows a few ulp, checked by TestSpace.
func TestAdamMatchesFloat32Space(t *testing.T) {
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			sp := open(t, c.opts)
			info := sp.Stream().Device().Info
			if !strings.Contains(info.Name, "llvmpipe") {
				t.Skipf("%s: bit-exactness is checked on lavapipe only", info.Name)
			}
			const n = 4097
			var ref optim.Float32Space
			for _, wd := range []float64{0, 0.01} {
				hx, hg := randData(1, n), randData(2, n)
				hg[5] = 0 // v = 0: the ε path
				x, g, m, v := newVec(t, sp, hx), newVec(t, sp, hg), newVec(t, sp, make([]float64, n)), newVec(t, sp, make([]float64, n))
				rx, rg, rm, rv := make(optim.Float32Vector, n), make(optim.Float32Vector, n), make(optim.Float32Vector, n), make(optim.Float32Vector, n)
				ref.Write(rx, hx)
				ref.Write(rg, hg)
				for step := 1; step <= 3; step++ {
					p := optim.AdamParams{
						Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: wd,
						StepSize:            0.01 / (1 - math.Pow(0.9, float64(step))),
						BiasCorrection2Sqrt: math.Sqrt(1 - math.Pow(0.999, float64(step))),
					}
					sp.Adam(x, g, m, v, p)
					ref.Adam(rx, rg, rm, rv, p)
					for _, pair := range []struct {
						name string
						got  optim.Vector
						want optim.Float32Vector
					}{{"x", x, rx}, {"m", m, rm}, {"v", v, rv}, {"g", g, rg}} {
						got := readVec(t, sp, pair.got)
						for i := range got {
							if math.Float32bits(float32(got[i])) != math.Float32bits(pair.want[i]) {
								t.Fatalf("wd=%g step %d: %s[%d] = %v, Float32Space %v", wd, step, pair.name, i, got[i], pair.want[i])
							}
						}
					}
				}
				for _, w := range []optim.Vector{x, g, m, v} {
					sp.Free(w)
				}
			}
		})
	}
}

// TestRecordOnly checks that the element-wise methods and Write do not
// synchronise, and that the reductions and Read synchronise once each.
func TestRecordOnly(t *testing.T) {
	sp := open(t, gpu.Options{})
	st := sp.Stream()
	h := randData(3, 100)
	a, b, m, v := newVec(t, sp, h), newVec(t, sp, h), newVec(t, sp, h), newVec(t, sp, h)
	before := st.Syncs()
	sp.Copy(a, b)
	sp.Scale(a, 2)
	sp.Axpy(a, -1, b)
	sp.Adam(a, b, m, v, optim.AdamParams{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, StepSize: 1e-3, BiasCorrection2Sqrt: 0.03})
	if err := sp.Write(b, h); err != nil {
		t.Fatal(err)
	}
	if st.Syncs() != before {
		t.Errorf("element-wise methods synchronised %d times", st.Syncs()-before)
	}
	for _, f := range []func() error{
		func() error { _, err := sp.Dot(a, b); return err },
		func() error { _, err := sp.MaxAbs(a); return err },
		func() error { _, err := sp.AbsSum(a); return err },
		func() error { return sp.Read(a, make([]float64, 100)) },
	} {
		sp.Scale(a, 1) // something to submit
		before := st.Syncs()
		if err := f(); err != nil {
			t.Fatal(err)
		}
		if st.Syncs() != before+1 {
			t.Errorf("a read-back synchronised %d times, want 1", st.Syncs()-before)
		}
	}
	for _, x := range []optim.Vector{a, b, m, v} {
		sp.Free(x)
	}
}

// liveVectors counts the Space's buffers the device holds open.
func liveVectors(dev *gpu.Device) int {
	n := 0
	for _, d := range dev.Live() {
		if strings.Contains(d, `"vkoptim vector"`) {
			n++
		}
	}
	return n
}

// TestFreeWithPendingWork frees vectors that recorded, unsubmitted work
// still uses: their buffers must outlive that work (the validation layer
// would report a destroyed buffer) and be closed after the next sync.
func TestFreeWithPendingWork(t *testing.T) {
	sp := open(t, gpu.Options{})
	dev := sp.Stream().Device()
	h := randData(4, 1000)
	a, b := newVec(t, sp, h), newVec(t, sp, h)
	sp.Axpy(a, 0.5, b)
	sp.Free(b)
	sp.Free(b)
	if got := liveVectors(dev); got != 2 {
		t.Errorf("%d vector buffers open before the sync, want 2", got)
	}
	got := readVec(t, sp, a)
	for i := range h {
		if want := float64(float32(h[i] + float64(float32(0.5*h[i])))); math.Abs(got[i]-want) > 1e-6*math.Abs(want) {
			t.Fatalf("a[%d] = %v, want %v", i, got[i], want)
		}
	}
	if got := liveVectors(dev); got != 1 {
		t.Errorf("%d vector buffers open after the sync, want 1", got)
	}
	// A sync by another user of the stream releases it too.
	sp.Scale(a, 2)
	sp.Free(a)
	if err := sp.Stream().Sync(); err != nil {
		t.Fatal(err)
	}
	c, err := sp.New(3)
	if err != nil {
		t.Fatal(err)
	}
	if got := liveVectors(dev); got != 1 {
		t.Errorf("%d vector buffers open after another sync, want 1", got)
	}
	sp.Free(c)
}

// TestWrap runs the Space on a buffer it does not own.
func TestWrap(t *testing.T) {
	sp := open(t, gpu.Options{ForceStaging: true})
	dev := sp.Stream().Device()
	const n = 13
	buf, err := dev.NewBuffer("image", (n+3)*4)
	if err != nil {
		t.Fatal(err)
	}
	defer buf.Close()
	h := make([]float32, n+3)
	for i := range h {
		h[i] = float32(i + 1)
	}
	if err := buf.WriteFloat32(0, h); err != nil {
		t.Fatal(err)
	}
	x := vkoptim.Wrap(buf, n)
	if x.Len() != n || x.GPU() != buf {
		t.Fatalf("Wrap: Len %d, GPU %p; want %d, %p", x.Len(), x.GPU(), n, buf)
	}
	sp.Scale(x, -2)
	if s, err := sp.AbsSum(x); err != nil || s != 2*n*(n+1)/2 {
		t.Errorf("AbsSum = %v, %v; want %d", s, err, n*(n+1))
	}
	sp.Free(x)
	got := make([]float32, n+3)
	if err := buf.ReadFloat32(0, got); err != nil {
		t.Fatalf("the wrapped buffer after Free: %v", err)
	}
	for i := range got {
		want := h[i]
		if i < n {
			want *= -2
		}
		if got[i] != want {
			t.Fatalf("buffer[%d] = %v, want %v", i, got[i], want)
		}
	}
}

func TestPanics(t *testing.T) {
	sp := open(t, gpu.Options{})
	a, _ := sp.New(4)
	b, _ := sp.New(4)
	c, _ := sp.New(4)
	freed, _ := sp.New(4)
	sp.Free(freed)
	buf, err := sp.Stream().Device().NewBuffer("small", 8)
	if err != nil {
		t.Fatal(err)
	}
	defer buf.Close()
	p := optim.AdamParams{Beta1: 0.9, Beta2: 0.999, StepSize: 1, BiasCorrection2Sqrt: 1}
	cases := []struct {
		name string
		f    func()
	}{
		{"Adam aliasing", func() { sp.Adam(a, b, c, a, p) }},
		{"foreign vector", func() { sp.Scale(optim.Float32Vector{1}, 2) }},
		{"freed vector", func() { sp.Axpy(a, 1, freed) }},
		{"New(-1)", func() { sp.New(-1) }},
		{"Wrap too long", func() { vkoptim.Wrap(buf, 3) }},
	}
	for _, c := range cases {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("%s did not panic", c.name)
				} else if !strings.HasPrefix(fmt.Sprint(r), "vkoptim: ") {
					t.Errorf("%s: panic %q has no vkoptim prefix", c.name, r)
				}
			}()
			c.f()
		}()
	}
	for _, v := range []optim.Vector{a, b, c} {
		sp.Free(v)
	}
}

// TestDeferredError checks that a recording failure of a method without an
// error result is returned by the next method with one, and that the Space
// works again afterwards.
func TestDeferredError(t *testing.T) {
	sp := open(t, gpu.Options{})
	a := newVec(t, sp, []float64{1, 2, 3})
	defer sp.Free(a)
	buf, err := sp.Stream().Device().NewBuffer("gone", 12)
	if err != nil {
		t.Fatal(err)
	}
	gone := vkoptim.Wrap(buf, 3)
	buf.Close()
	sp.Scale(gone, 2) // fails to record: the buffer is closed
	if err := sp.Write(a, []float64{4, 5, 6}); err == nil || !strings.HasPrefix(err.Error(), "vkoptim: Write: vkoptim: Scale: ") {
		t.Errorf("Write after a failed Scale: %v", err)
	}
	if _, err := sp.Dot(a, a); err == nil || !strings.Contains(err.Error(), "vkoptim: Scale: ") {
		t.Errorf("Dot after a failed Scale: %v", err)
	}
	if err := sp.Write(a, []float64{4, 5, 6}); err != nil {
		t.Fatal(err)
	}
	if got, err := sp.Dot(a, a); err != nil || got != 77 {
		t.Errorf("Dot after recovery = %v, %v; want 77", got, err)
	}
}
