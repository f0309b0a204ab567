package vgg

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
	"testing"
)

// fuzzTensorFile parses data as a weight file and reads every tensor a
// loader could ask for: whatever the bytes, the result is an error of one
// line or tensors that read, never a panic or an allocation the file's
// size does not justify.
func fuzzTensorFile(t *testing.T, data []byte) {
	tf, err := parseTensorFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("not one line: %q", err)
		}
		return
	}
	for _, name := range tf.order {
		ref := tf.tensors[name]
		n := int64(1)
		for _, d := range ref.shape {
			if d < 0 || (d > 0 && n > (1<<22)/d) {
				n = -1
				break
			}
			n *= d
		}
		if n < 0 || !ref.dtype.readable() {
			continue // a loader asks only for shapes it knows, and refuses other dtypes
		}
		if _, err := tf.get(name, ref.shape, "fuzz"); err != nil && strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("not one line: %q", err)
		}
	}
}

func addFixtures(f *testing.F, names ...string) {
	for _, name := range names {
		b, err := readFixtureF(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func readFixtureF(name string) ([]byte, error) { return os.ReadFile(fixturePath(name)) }

// The seeds are the small fixtures (the tiny VGG19 files are 350 KB,
// slow to mutate) and a one-convolution safetensors file.
func FuzzSafetensors(f *testing.F) {
	addFixtures(f, "dtypes.safetensors")
	header := `{"features.0.weight":{"dtype":"F16","shape":[2,1,1,1],"data_offsets":[0,4]},` +
		`"features.0.bias":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},"__metadata__":{"format":"pt"}}`
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write([]byte{0x00, 0x3c, 0x00, 0xc0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40})
	f.Add(b.Bytes())
	f.Fuzz(fuzzTensorFile)
}

func FuzzPthZip(f *testing.F) {
	addFixtures(f, "resnet.pth", "float64.pth", "evil.pth")
	f.Fuzz(fuzzTensorFile)
}

func FuzzPthLegacy(f *testing.F) {
	addFixtures(f, "tiny19-legacy.pth", "tiny19-legacy-v1.pth")
	f.Fuzz(fuzzTensorFile)
}
