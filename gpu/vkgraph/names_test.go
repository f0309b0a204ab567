package vkgraph

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"
)

// TestKernelNames checks, without a device, that every kernelName constant
// is in kernelTable and that every kernel of the table, with its _storage
// variant where it has one, is embedded: what New checks at start-up.
func TestKernelNames(t *testing.T) {
	if err := checkKernels(); err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "names.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			v := spec.(*ast.ValueSpec)
			if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "kernelName" {
				continue
			}
			for i, name := range v.Names {
				s, err := strconv.Unquote(v.Values[i].(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				consts++
				if _, ok := kernelTable[kernelName(s)]; !ok {
					t.Errorf("kernel %s (%s) is missing from kernelTable", name.Name, s)
				}
			}
		}
	}
	if consts != len(kernelTable) {
		t.Errorf("%d kernelName constants, %d kernelTable entries", consts, len(kernelTable))
	}
}
