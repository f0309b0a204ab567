package shaders

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// variants reads variants.txt: each variant's name and source .comp.
func variants(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("variants.txt")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) < 3 {
			t.Errorf("variants.txt: %q: want name, source and defines", line)
			continue
		}
		out[f[0]] = f[1]
	}
	return out
}

// Every .comp and every variant of variants.txt has an embedded,
// well-formed SPIR-V module, and every module has a source. (Whether the
// SPIR-V is fresh is checked by ./build.sh test with glslc.)
func TestEverySourceHasSPIRV(t *testing.T) {
	sources, _ := filepath.Glob("*.comp")
	if len(sources) == 0 {
		t.Fatal("no shader sources")
	}
	vars := variants(t)
	for name, src := range vars {
		if _, err := os.Stat(src); err != nil {
			t.Errorf("variant %s: source %s: %v", name, src, err)
		}
		sources = append(sources, name+".comp") // checked by name below
	}
	names := map[string]bool{}
	for _, n := range Names() {
		names[n] = true
	}
	for _, src := range sources {
		name := strings.TrimSuffix(src, ".comp")
		code, err := Code(name)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if len(code) < 20 || len(code)%4 != 0 || binary.LittleEndian.Uint32(code) != 0x07230203 {
			t.Errorf("%s.spv is not SPIR-V", name)
		}
		delete(names, name)
	}
	for n := range names {
		if _, err := os.Stat(n + ".comp"); err != nil && vars[n] == "" {
			t.Errorf("%s.spv has no source", n)
		}
	}
	if _, err := Code("no-such-kernel"); err == nil {
		t.Error("unknown kernel found")
	}
}
