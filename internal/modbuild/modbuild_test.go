package modbuild

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

// TestBuild: the zip is one the go command accepts (modzip.CheckZip), its
// go.sum line is dirhash.HashZip of the file, and the go.mod is the one
// proxies synthesise when the module has none.
func TestBuild(t *testing.T) {
	for _, tt := range []struct {
		m          module.Version
		files      map[string]string
		wantMod    string
		modInZip   bool
		wantInfoTS string
	}{
		{module.Version{Path: "example.test/a", Version: "v1.0.0"}, map[string]string{"a.go": "package a\n"}, "module example.test/a\n\ngo 1.21\n", true, "2024-01-02T03:04:05Z"},
		{module.Version{Path: "example.test/a", Version: "v1.0.0"}, map[string]string{"go.mod": "module example.test/a\n\ngo 1.22\n"}, "module example.test/a\n\ngo 1.22\n", true, "2024-01-02T03:04:05Z"},
		{module.Version{Path: "example.test/i", Version: "v2.0.0+incompatible"}, map[string]string{"i.go": "package i\n"}, "module example.test/i\n", false, "2024-01-02T03:04:05Z"},
		{module.Version{Path: "example.test/p", Version: "v0.0.0-20230405060708-abcdefabcdef"}, nil, "module example.test/p\n\ngo 1.21\n", true, "2023-04-05T06:07:08Z"},
	} {
		v, err := Build(tt.m, tt.files, time.Time{})
		if err != nil {
			t.Fatalf("%s: %v", tt.m, err)
		}
		if string(v.Mod) != tt.wantMod {
			t.Errorf("%s: go.mod %q, want %q", tt.m, v.Mod, tt.wantMod)
		}
		if !strings.Contains(string(v.Info), `"Time":"`+tt.wantInfoTS+`"`) {
			t.Errorf("%s: info %s, want time %s", tt.m, v.Info, tt.wantInfoTS)
		}
		zf := filepath.Join(t.TempDir(), "m.zip")
		if err := os.WriteFile(zf, v.Zip, 0o644); err != nil {
			t.Fatal(err)
		}
		cf, err := modzip.CheckZip(tt.m, zf)
		if err != nil || len(cf.Invalid) > 0 {
			t.Fatalf("%s: zip fails CheckZip: %v %v", tt.m, err, cf.Invalid)
		}
		hasMod := false
		for _, f := range cf.Valid {
			hasMod = hasMod || strings.HasSuffix(f, "@"+tt.m.Version+"/go.mod")
		}
		if hasMod != tt.modInZip {
			t.Errorf("%s: go.mod in zip = %v, want %v", tt.m, hasMod, tt.modInZip)
		}
		want, err := dirhash.HashZip(zf, dirhash.Hash1)
		if err != nil {
			t.Fatal(err)
		}
		zl, ml, err := v.GoSum(tt.m)
		if err != nil {
			t.Fatal(err)
		}
		if zl != tt.m.Path+" "+tt.m.Version+" "+want {
			t.Errorf("%s: zip line %q, want hash %s", tt.m, zl, want)
		}
		if !strings.HasPrefix(ml, tt.m.Path+" "+tt.m.Version+"/go.mod h1:") {
			t.Errorf("%s: go.mod line %q", tt.m, ml)
		}
	}
	if _, err := Build(module.Version{Path: "example.test/a", Version: "v1.0"}, nil, DefaultTime); err == nil {
		t.Error("a non-canonical version built")
	}
}
