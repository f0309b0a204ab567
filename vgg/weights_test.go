package vgg

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vkstyle/vkstyle/vgg/internal/tinyvgg"
)

// tiny19 is the architecture of the fixtures (vggtest.Tiny19, which this
// package's internal tests cannot import).
var tiny19 = mustVGG("tiny19", tinyvgg.Config())

func TestLoadFormatsAgree(t *testing.T) {
	ref, err := Load(fixturePath("tiny19.pth"), tiny19, nil)
	if err != nil {
		t.Fatal(err)
	}
	var bytes int64
	for _, l := range tiny19.Convs(nil) {
		bytes += 4 * int64(l.Out*l.In*9+l.Out)
	}
	if len(ref.convs) != 16 || ref.Convention.Name != "torchvision" || ref.Bytes() != bytes {
		t.Errorf("tiny19.pth: %d convs, %s, %d bytes", len(ref.convs), ref.Convention.Name, ref.Bytes())
	}
	for _, c := range []struct {
		path   string
		layers []string
	}{
		{fixturePath("tiny19.safetensors"), nil},
		{"testdata/tiny19-legacy.pth", []string{"relu2_2"}},
		{"testdata/tiny19-legacy-v1.pth", []string{"pool2"}},
	} {
		n, err := Load(c.path, tiny19, c.layers)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		want := len(tiny19.Convs(c.layers))
		if len(n.convs) != want {
			t.Errorf("%s: %d convs loaded, want %d", c.path, len(n.convs), want)
		}
		for name, p := range n.convs {
			r := ref.convs[name]
			if !slices.Equal(p.W, r.W) || !slices.Equal(p.B, r.B) {
				t.Errorf("%s: %s differs from tiny19.pth", c.path, name)
			}
		}
	}
	// Layers deeper than requested are not loaded, and Features refuses
	// them.
	n, err := Load(fixturePath("tiny19.pth"), tiny19, []string{"relu1_2"})
	if err != nil || len(n.convs) != 2 {
		t.Fatalf("up to relu1_2: %v, %d convs", err, len(n.convs))
	}
	if err := n.Check([]string{"relu2_1"}); err == nil || !strings.Contains(err.Error(), "conv2_1") {
		t.Errorf("Check beyond the loaded layers: %v", err)
	}
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r *bytes.Reader
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}

// TestLoadReadsOnlyWhatIsNeeded opens each format through a counting
// reader and reads conv1_1 alone: the rest of the file stays unread.
func TestLoadReadsOnlyWhatIsNeeded(t *testing.T) {
	for _, name := range []string{"tiny19.pth", "tiny19.safetensors", "tiny19-legacy.pth", "tiny19-legacy-v1.pth"} {
		data, err := os.ReadFile(fixturePath(name))
		if err != nil {
			t.Fatal(err)
		}
		cr := &countingReaderAt{r: bytes.NewReader(data)}
		tf, err := parseTensorFile(cr, int64(len(data)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		l, _ := tiny19.Layer("conv1_1")
		if _, err := tf.conv(tiny19, l); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// The pickle or header, the directory, 4·(108+4) bytes of conv1_1.
		if limit := int64(12 << 10); cr.n > limit || (len(data) > 100<<10 && cr.n*10 > int64(len(data))) {
			t.Errorf("%s: read %d of %d bytes for conv1_1", name, cr.n, len(data))
		}
		t.Logf("%s: read %d of %d bytes for conv1_1", name, cr.n, len(data))
	}
}

func TestDTypes(t *testing.T) {
	_, err := readAll("testdata/dtypes.safetensors")
	if err == nil || !strings.Contains(err.Error(), "f64") || !strings.Contains(err.Error(), "float64") {
		t.Errorf("reading a float64 tensor: %v", err)
	}
	tf, err := openTensorFile("testdata/dtypes.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer tf.Close()
	want := []float32{0.5, -1.25, 2, 0, 3.5, -0.1875}
	for _, name := range []string{"f32", "f16", "bf16"} {
		got, err := tf.get(name, []int64{2, 3}, "test")
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: %v, %v; want %v", name, got, err, want)
		}
	}
	// float16 corner cases: subnormal, infinity, negative zero.
	for h, want := range map[uint16]float32{0x0001: 1.0 / (1 << 24), 0x7c00: float32(inf()), 0x8000: negZero(), 0x3c00: 1, 0xc000: -2} {
		if got := float16to32(h); got != want || (want == 0 && (1/got) != (1/want)) {
			t.Errorf("float16to32(%#04x) = %v, want %v", h, got, want)
		}
	}
}

func inf() float64 { return 1 / zero }
func negZero() float32 {
	z := float32(0)
	return -z
}

var zero = 0.0

// TestLoadErrors feeds the loader bad files: each must give one line
// that starts with "vgg: " and the path and says what was expected.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(fixturePath(name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pth, st, legacy := read("tiny19.pth"), read("tiny19.safetensors"), read("tiny19-legacy.pth")
	header := append([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, []byte("{}")...)
	var bigPickle bytes.Buffer // a zip whose data.pkl is over maxPickleBytes
	zw := zip.NewWriter(&bigPickle)
	if w, err := zw.CreateHeader(&zip.FileHeader{Name: "big/data.pkl", Method: zip.Store}); err != nil {
		t.Fatal(err)
	} else {
		w.Write(bytes.Repeat([]byte{'N'}, maxPickleBytes+1))
	}
	zw.Close()
	tarHeader := make([]byte, 1024)
	copy(tarHeader, "sys_info")
	copy(tarHeader[257:], "ustar\x0000")
	for _, c := range []struct {
		path   string
		arch   *Arch
		layers []string
		want   []string
	}{
		{"testdata/resnet.pth", VGG19, nil, []string{"no tensor features.0.weight (vgg19 conv1_1)", "torchvision's keys", "conv1.weight"}},
		{"testdata/resnet.pth", tiny19, []string{"relu1_1"}, []string{"no tensor features.0.weight"}},
		{"testdata/float64.pth", tiny19, []string{"relu1_1"}, []string{"features.0.weight is float64; want float32"}},
		{"testdata/evil.pth", VGG19, nil, []string{"vgg: testdata/evil.pth: the pickle asks for os.system, which is not a tensor: refusing to run it"}},
		{fixturePath("tiny19.pth"), VGG19, nil, []string{"features.0.weight is 4×3×3×3, want 64×3×3×3 for vgg19 conv1_1"}},
		{"testdata/missing.pth", VGG19, nil, []string{"no such file"}},
		{write("half.pth", pth[:len(pth)/2]), tiny19, nil, []string{"not a readable zip archive", "truncated"}},
		{write("half.safetensors", st[:len(st)/2]), tiny19, nil, []string{"outside the", "truncated"}},
		{write("short.safetensors", st[:100]), tiny19, nil, []string{"truncated or not safetensors"}},
		{write("legacy-cut.pth", legacy[:len(legacy)-100]), tiny19, []string{"relu1_1"}, []string{"truncated"}},
		{write("legacy-pickle-cut.pth", legacy[:300]), tiny19, []string{"relu1_1"}, []string{"legacy .pth object", "pickle ends"}},
		{write("big.pth", bigPickle.Bytes()), VGG19, nil, []string{"big/data.pkl is 1048577 bytes, over the 1 MiB"}},
		{write("big-legacy.pth", append([]byte{0x80, 2}, bytes.Repeat([]byte{'N'}, maxPickleBytes+100)...)), VGG19, nil,
			[]string{"legacy .pth magic number: the pickles run past 1 MiB"}},
		{write("empty.pth", nil), VGG19, nil, []string{"empty or truncated"}},
		{write("text.pth", []byte("<html>404 Not Found</html>")), VGG19, nil, []string{"safetensors"}},
		{write("huge.safetensors", header), VGG19, nil, []string{"neither a PyTorch .pth"}},
		{write("old.pth", tarHeader), VGG19, nil, []string{"tar archive", "before March 2017"}},
		{fixturePath("tiny19.pth"), VGG19, []string{"relu9_9"}, []string{`no layer "relu9_9"`}},
	} {
		_, err := Load(c.path, c.arch, c.layers)
		if err == nil {
			t.Errorf("%s: loaded", c.path)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "vgg: ") {
			t.Errorf("%s: not one vgg: line: %q", c.path, msg)
		}
		if !strings.Contains(msg, c.path) && !strings.Contains(msg, "no layer") {
			t.Errorf("%s: error does not name the file: %q", c.path, msg)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q lacks %q", c.path, msg, w)
			}
		}
	}
}

// readAll reads every tensor of the file at path as float32.
func readAll(path string) (map[string][]float32, error) {
	tf, err := openTensorFile(path)
	if err != nil {
		return nil, err
	}
	defer tf.Close()
	out := map[string][]float32{}
	for _, name := range tf.order {
		t := tf.tensors[name]
		n := int64(1)
		for _, d := range t.shape {
			n *= d
		}
		v := make([]float32, n)
		if err := t.read(v); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = v
	}
	return out, nil
}
