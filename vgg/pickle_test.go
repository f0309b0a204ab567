package vgg

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nlpodyssey/gopickle/types"
)

// Pickles written by CPython 3.11's pickle.dumps of
//
//	o = OrderedDict([('a', (1, 300, -3, 70000, -2**40, 2**70, 1.5, True, False, None, 'sé', b'b', [1, 2], {'k': 'v'})), ('a2', 'x')])
//	o['a2'] = 'y'
//
// at protocols 3, 4 (framed, memoized, STACK_GLOBAL) and 5.
var pickleCases = map[int]string{
	3: "800363636f6c6c656374696f6e730a4f726465726564446963740a710029527101285801000000617102284b014d2c014afdffffff4a701101008a060000000000ff8a09000000000000000040473ff800000000000088894e580300000073c3a9710343016271045d7105284b014b02657d710658010000006b710758010000007671087374710958020000006132710a580100000079710b752e",
	4: "8004957f000000000000008c0b636f6c6c656374696f6e73948c0b4f72646572656444696374949394295294288c016194284b014d2c014afdffffff4a701101008a060000000000ff8a09000000000000000040473ff800000000000088894e8c0373c3a994430162945d94284b014b02657d948c016b948c0176947374948c026132948c017994752e",
	5: "8005957f000000000000008c0b636f6c6c656374696f6e73948c0b4f72646572656444696374949394295294288c016194284b014d2c014afdffffff4a701101008a060000000000ff8a09000000000000000040473ff800000000000088894e8c0373c3a994430162945d94284b014b02657d948c016b948c0176947374948c026132948c017994752e",
}

func unpickleHex(t *testing.T, h string) (any, error) {
	t.Helper()
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return unpickle(bufio.NewReader(bytes.NewReader(b)), int64(len(b)), nil)
}

func TestUnpickleProtocols(t *testing.T) {
	big70 := new(big.Int).Lsh(big.NewInt(1), 70)
	want := fmt.Sprint([]any{1, 300, -3, 70000, -(1 << 40), big70, 1.5, true, false, nil, "sé", []byte("b")})
	for proto, h := range pickleCases {
		v, err := unpickleHex(t, h)
		if err != nil {
			t.Fatalf("protocol %d: %v", proto, err)
		}
		keys, vals, ok := dictItems(v)
		if _, isOD := v.(*types.OrderedDict); !isOD || !ok || len(keys) != 2 || keys[0] != "a" || keys[1] != "a2" || vals[1] != "y" {
			t.Fatalf("protocol %d: %#v", proto, v)
		}
		tup := *vals[0].(*types.Tuple)
		if got := fmt.Sprint(tup[:12]); got != want {
			t.Errorf("protocol %d: %s, want %s", proto, got, want)
		}
		if l := *tup[12].(*types.List); len(l) != 2 || l[1] != 2 {
			t.Errorf("protocol %d: list %v", proto, l)
		}
		if v, ok := dictGet(tup[13], "k"); !ok || v != "v" {
			t.Errorf("protocol %d: dict %v", proto, tup[13])
		}
	}
	// Python 2's OrderedDict.__reduce__: OrderedDict([[k, v], …]) with
	// byte strings (SHORT_BINSTRING), which gopickle's OrderedDict
	// refuses: pickleReader sends it to orderedDictClass.
	v, err := unpickleHex(t, "800263636f6c6c656374696f6e730a4f726465726564446963740a71005d7101285d7102285501614b01655d7103285501624b026565855271042e")
	if keys, vals, ok := dictItems(v); err != nil || !ok || fmt.Sprint(keys, vals) != "[a b] [1 2]" {
		t.Errorf("Python 2 OrderedDict: %#v, %v", v, err)
	}
	// The same bytes as data are not renamed.
	data := "ccollections\nOrderedDict\n"
	in := "\x80\x02X\x19\x00\x00\x00" + data + "."
	v, err = unpickle(bufio.NewReader(strings.NewReader(in)), int64(len(in)), nil)
	if err != nil || v != data {
		t.Errorf("a string holding a GLOBAL: %q, %v", v, err)
	}
}

func TestUnpickleRefuses(t *testing.T) {
	for _, c := range []struct{ hex, want string }{
		// protocol 2 bytes go through _codecs.encode: not a tensor type.
		{"80025d7100635f636f646563730a656e636f64650a7101580100000062710258060000006c6174696e317103867104527105612e",
			"the pickle asks for _codecs.encode, which is not a tensor: refusing to run it"},
		// cos\nsystem\n(S'echo'\ntR.
		{hex.EncodeToString([]byte("cos\nsystem\n(S'echo'\ntR.")), "the pickle asks for os.system, which is not a tensor"},
		{hex.EncodeToString([]byte("\x80\x04cbuiltins\neval\n.")), "builtins.eval, which is not a tensor"},
		// STACK_GLOBAL with a newline in the name: still one line.
		{hex.EncodeToString([]byte("\x80\x04\x8c\x02os\x8c\x07sys\ntem\x93.")), `os.sys\ntem, which is not a tensor`},
		{"8006", "protocol: 6"},
		{"80024e", "pickle ends before STOP"},
		{"2e", "malformed pickle (the stack is empty)"},
		{"80024b0174", "malformed pickle"},
		{"800258ffff0000", "pickle ends before its 65535-byte value"},
		{"8002580000ffff", "pickle ends before its 4294901760-byte value"},
		{"80048d" + "ffffffffffffff7f", "pickle ends before its 9223372036854775807-byte value"},
		{"800595" + "ffffffffffffffff", "pickle ends before its 18446744073709551615-byte value"},
		// Inside a frame too.
		{"800595" + "0500000000000000" + "58" + "70ffffff", "pickle ends before its 4294967152-byte value"},
		{"8002ff", "malformed pickle"},
		{"80020a", "opcode: 0xa"},
		{"80024b014b02522e", "malformed pickle"},
		// An empty LONG1 and a bytes dict key panic in gopickle.
		{"80028a002e", "malformed pickle"},
		{hex.EncodeToString([]byte("\x80\x03ccollections\nOrderedDict\n)RC\x01bK\x01s.")), "malformed pickle (hash of unhashable type"},
		// Persistent ids where none is expected, and not a storage.
		{"80024b0151", "persistent"},
	} {
		_, err := unpickleHex(t, c.hex)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("%s: %v, want %q", c.hex, err, c.want)
		}
	}
	b, _ := hex.DecodeString("80024b0151")
	_, err := unpickle(bufio.NewReader(bytes.NewReader(b)), int64(len(b)), storageLoader(map[string]*pthStorage{}, false))
	if err == nil || !strings.Contains(err.Error(), "persistent id int, want ('storage'") {
		t.Errorf("persistent id 1: %v", err)
	}
}

// TestUnpickleMutations flips bytes of real torch.save pickles: the
// unpickler may fail but never panics or hangs.
func TestUnpickleMutations(t *testing.T) {
	z, err := zip.OpenReader(fixturePath("tiny19.pth"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var pkl []byte
	for _, f := range z.File {
		if strings.HasSuffix(f.Name, "data.pkl") {
			rc, _ := f.Open()
			pkl, _ = io.ReadAll(rc)
			rc.Close()
		}
	}
	legacy, err := os.ReadFile("testdata/tiny19-legacy-v1.pth")
	if err != nil || len(pkl) == 0 {
		t.Fatal(err, len(pkl))
	}
	for _, src := range [][]byte{pkl, legacy[:2000]} {
		for i := 0; i < len(src); i += 3 {
			for _, b := range []byte{0x00, 0xff, '(', '.', 0x8a} {
				m := append([]byte(nil), src...)
				m[i] = b
				storages := map[string]*pthStorage{}
				_, err := unpickle(bufio.NewReader(bytes.NewReader(m)), int64(len(m)), storageLoader(storages, false))
				if err != nil && strings.ContainsAny(err.Error(), "\n\r") {
					t.Errorf("byte %d = %#x: not one line: %q", i, b, err)
				}
			}
		}
	}
}

func FuzzUnpickle(f *testing.F) {
	for _, h := range pickleCases {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := unpickle(bufio.NewReader(bytes.NewReader(data)), int64(len(data)), storageLoader(map[string]*pthStorage{}, true))
		if err != nil && strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("not one line: %q", err)
		}
	})
}

// TestLoadPython2Legacy loads a legacy .pth as Python 2 pickled it
// (OrderedDict([[key, tensor], …]), byte strings), written here opcode by
// opcode: conv1_1 of tiny VGG19 with weights 0, 1, … and biases −1 … −4.
func TestLoadPython2Legacy(t *testing.T) {
	tensor := func(name, key string, numel int, shape, stride string) string {
		return "](U" + string(rune(len(name))) + name +
			"ctorch._utils\n_rebuild_tensor\n(" +
			"(U\x07storagectorch\nFloatStorage\nU\x01" + key + "U\x03cpuK" + string(rune(numel)) + "NtQ" +
			"K\x00(" + shape + "t(" + stride + "tt" + "Re"
	}
	var f bytes.Buffer
	f.WriteString("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.") // magic
	f.WriteString("\x80\x02M\xe9\x03.")                                        // 1001
	f.WriteString("\x80\x02}(U\x0dlittle_endian\x88u.")                        // sys_info
	f.WriteString("\x80\x02ccollections\nOrderedDict\n](" +
		tensor("features.0.weight", "0", 108, "K\x04K\x03K\x03K\x03", "K\x1bK\x09K\x03K\x01") +
		tensor("features.0.bias", "1", 4, "K\x04", "K\x01") + "e\x85R.")
	f.WriteString("\x80\x02](U\x010U\x011e.") // storage keys
	want := map[string][]float32{"0": make([]float32, 108), "1": {-1, -2, -3, -4}}
	for i := range want["0"] {
		want["0"][i] = float32(i)
	}
	for _, key := range []string{"0", "1"} {
		binary.Write(&f, binary.LittleEndian, int64(len(want[key])))
		binary.Write(&f, binary.LittleEndian, want[key])
	}
	path := filepath.Join(t.TempDir(), "py2.pth")
	if err := os.WriteFile(path, f.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := Load(path, tiny19, []string{"relu1_1"})
	if err != nil {
		t.Fatal(err)
	}
	if c := n.convs["conv1_1"]; !slices.Equal(c.W, want["0"]) || !slices.Equal(c.B, want["1"]) {
		t.Errorf("conv1_1: %v, %v", c.W, c.B)
	}
}
