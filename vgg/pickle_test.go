package vgg

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"
	"testing"
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
	return unpickle(bufio.NewReader(bytes.NewReader(b)), findClass, nil)
}

func TestUnpickleProtocols(t *testing.T) {
	big70 := new(big.Int).Lsh(big.NewInt(1), 70)
	want := fmt.Sprint([]any{1, 300, -3, 70000, int64(-(1 << 40)), big70, 1.5, true, false, nil, "sé", "b"})
	for proto, h := range pickleCases {
		v, err := unpickleHex(t, h)
		if err != nil {
			t.Fatalf("protocol %d: %v", proto, err)
		}
		d, ok := v.(*pyDict)
		if !ok || len(d.keys) != 2 || d.keys[0] != "a" || d.keys[1] != "a2" || d.vals[1] != "y" {
			t.Fatalf("protocol %d: %#v", proto, v)
		}
		tup := d.vals[0].(pyTuple)
		if got := fmt.Sprint([]any(tup[:12])); got != want {
			t.Errorf("protocol %d: %s, want %s", proto, got, want)
		}
		if l := tup[12].(*pyList); len(l.items) != 2 || l.items[1] != 2 {
			t.Errorf("protocol %d: list %v", proto, l.items)
		}
		if v, ok := tup[13].(*pyDict).get("k"); !ok || v != "v" {
			t.Errorf("protocol %d: dict %v", proto, tup[13])
		}
	}
	// Python 2's OrderedDict.__reduce__: OrderedDict([[k, v], …]) with
	// byte strings (SHORT_BINSTRING).
	v, err := unpickleHex(t, "800263636f6c6c656374696f6e730a4f726465726564446963740a71005d7101285d7102285501614b01655d7103285501624b026565855271042e")
	if d, ok := v.(*pyDict); err != nil || !ok || fmt.Sprint(d.keys, d.vals) != "[a b] [1 2]" {
		t.Errorf("Python 2 OrderedDict: %#v, %v", v, err)
	}
}

func TestUnpickleRefuses(t *testing.T) {
	for _, c := range []struct{ hex, want string }{
		// protocol 2 bytes go through _codecs.encode: not a tensor type.
		{"80025d7100635f636f646563730a656e636f64650a7101580100000062710258060000006c6174696e317103867104527105612e", "_codecs.encode"},
		// cos\nsystem\n(S'echo'\ntR.
		{hex.EncodeToString([]byte("cos\nsystem\n(S'echo'\ntR.")), "os.system"},
		// cbuiltins\neval\n…
		{hex.EncodeToString([]byte("\x80\x04cbuiltins\neval\n.")), "builtins.eval"},
		{"8006", "protocol 6"},
		{"80024e", "before STOP"},
		{"2e", "underflow"},
		{"80024b0174", "no MARK"},
		{"800268002e", "memo 0 is not set"},
		{"8002580000ffff", "bytes"},
		{"8002ff", "opcode 0xff"},
		{"80024b014b02522e", "calls a int"},
	} {
		_, err := unpickleHex(t, c.hex)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.hex, err, c.want)
		}
	}
}

// TestUnpickleMutations flips bytes of real torch.save pickles: the
// unpickler may fail but never panics or hangs.
func TestUnpickleMutations(t *testing.T) {
	z, err := zip.OpenReader("testdata/tiny19.pth")
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
				unpickle(bufio.NewReader(bytes.NewReader(m)), findClass, storageLoader(storages, false))
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
		unpickle(bufio.NewReader(bytes.NewReader(data)), findClass, storageLoader(map[string]*pthStorage{}, true))
	})
}
