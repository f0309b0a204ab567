package shaders

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every .comp has an embedded, well-formed SPIR-V module and vice versa.
// (Whether the SPIR-V is fresh is checked by ./build.sh test with glslc.)
func TestEverySourceHasSPIRV(t *testing.T) {
	sources, _ := filepath.Glob("*.comp")
	if len(sources) == 0 {
		t.Fatal("no shader sources")
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
		if _, err := os.Stat(n + ".comp"); err != nil {
			t.Errorf("%s.spv has no source", n)
		}
	}
	if _, err := Code("no-such-kernel"); err == nil {
		t.Error("unknown kernel found")
	}
}
