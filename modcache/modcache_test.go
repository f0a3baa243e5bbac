package modcache

import (
	"archive/zip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"

	"github.com/gopreflight/gopreflight/goenv"
)

// TestDir: GOMODCACHE is where `go env GOMODCACHE` says, from the
// environment, the `go env -w` file, GOPATH's first entry or HOME; a
// relative setting, which the go command refuses to use, is no cache.
func TestDir(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not installed: no judge")
	}
	tmp := t.TempDir()
	envFile := filepath.Join(tmp, "goenv")
	if err := os.WriteFile(envFile, []byte("GOMODCACHE="+filepath.Join(tmp, "fromfile")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string // "" : no usable cache
	}{
		{"GOMODCACHE", map[string]string{"GOMODCACHE": filepath.Join(tmp, "mc"), "HOME": tmp}, filepath.Join(tmp, "mc")},
		{"go env -w file", map[string]string{"GOENV": envFile, "HOME": tmp}, filepath.Join(tmp, "fromfile")},
		{"environment over the file", map[string]string{"GOENV": envFile, "GOMODCACHE": filepath.Join(tmp, "env"), "HOME": tmp}, filepath.Join(tmp, "env")},
		{"first GOPATH entry", map[string]string{"GOPATH": filepath.Join(tmp, "a") + string(os.PathListSeparator) + filepath.Join(tmp, "b"), "HOME": tmp}, filepath.Join(tmp, "a", "pkg", "mod")},
		{"HOME/go", map[string]string{"HOME": tmp}, filepath.Join(tmp, "go", "pkg", "mod")},
		{"relative GOMODCACHE", map[string]string{"GOMODCACHE": "rel", "HOME": tmp}, ""},
		{"no HOME, no GOPATH", map[string]string{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{"GOENV": "off"}
			for k, v := range tc.env {
				vars[k] = v
			}
			getenv := func(k string) string { return vars[k] }
			env, err := goenv.Load(getenv, "")
			if err != nil {
				t.Fatal(err)
			}
			got := Dir(env.Setting, getenv, "")
			if got != tc.want {
				t.Errorf("Dir = %q, want %q", got, tc.want)
			}
			cmd := exec.Command(goBin, "env", "GOMODCACHE")
			cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
			for k, v := range vars {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			out, _ := cmd.Output()
			judge := strings.TrimSpace(string(out))
			if filepath.IsAbs(judge) && judge != got {
				t.Errorf("go env GOMODCACHE = %q, Dir = %q", judge, got)
			}
		})
	}
}

// TestLookup: which cached files serve a build, as cmd/go's modfetch
// decides it (readDiskGoMod, DownloadDir, DownloadZip, checkMod).
func TestLookup(t *testing.T) {
	m := module.Version{Path: "example.test/Upper", Version: "v1.0.0"}
	mod := "module example.test/Upper\n\ngo 1.21\n"
	for _, tc := range []struct {
		name           string
		files          map[string]string // relative to the cache root; "zip" marks the zip
		hasMod, hasZip bool
		dir, broken    bool
		recomputedHash bool
	}{
		{name: "nothing"},
		{name: "go.mod only", files: map[string]string{"mod": mod}, hasMod: true},
		{name: "old vgo go.mod is ignored", files: map[string]string{"mod": "//vgo 0.0.4\n" + mod}},
		{name: "zip and ziphash", files: map[string]string{"mod": mod, "zip": "", "ziphash": "HASH"}, hasMod: true, hasZip: true},
		{name: "zip without ziphash is re-hashed", files: map[string]string{"zip": ""}, hasZip: true, recomputedHash: true},
		{name: "invalid ziphash is re-hashed from the zip", files: map[string]string{"zip": "", "ziphash": "garbage"}, hasZip: true, recomputedHash: true},
		{name: "extracted directory with ziphash", files: map[string]string{"dir": "", "ziphash": "HASH"}, hasZip: true, dir: true},
		{name: "extracted directory without ziphash", files: map[string]string{"dir": ""}},
		{name: "partially extracted directory, no zip: a download", files: map[string]string{"dir": "", "ziphash": "HASH", "partial": ""}},
		{name: "partially extracted directory, zip", files: map[string]string{"dir": "", "zip": "", "ziphash": "HASH", "partial": ""}, hasZip: true},
		{name: "invalid ziphash, no zip", files: map[string]string{"dir": "", "ziphash": "garbage"}, dir: true, broken: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			c := Cache{Root: root}
			dl := filepath.Join(c.DownloadDir(), "example.test", "!upper", "@v")
			os.MkdirAll(dl, 0o755)
			zipHash := ""
			for kind, data := range tc.files {
				switch kind {
				case "zip":
					zipHash = writeZip(t, filepath.Join(dl, "v1.0.0.zip"), m, mod)
				case "dir":
					d := filepath.Join(root, "example.test", "!upper@v1.0.0")
					os.MkdirAll(d, 0o755)
					os.WriteFile(filepath.Join(d, "go.mod"), []byte(mod), 0o644)
				default:
					os.WriteFile(filepath.Join(dl, "v1.0.0."+kind), []byte(data), 0o644)
				}
			}
			const hash = "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
			if tc.files["ziphash"] == "HASH" {
				os.WriteFile(filepath.Join(dl, "v1.0.0.ziphash"), []byte(hash+"\n"), 0o644)
			}
			e, err := c.Lookup(m)
			if err != nil {
				t.Fatal(err)
			}
			if e.HasMod() != tc.hasMod || e.HasZip() != tc.hasZip || (e.Dir != "") != tc.dir || (e.Broken != "") != tc.broken {
				t.Errorf("HasMod %v HasZip %v Dir %q Broken %q; want %v %v dir %v broken %v", e.HasMod(), e.HasZip(), e.Dir, e.Broken, tc.hasMod, tc.hasZip, tc.dir, tc.broken)
			}
			switch {
			case tc.recomputedHash && e.ZipHash != zipHash:
				t.Errorf("ZipHash %q, want the zip's own %q", e.ZipHash, zipHash)
			case tc.files["ziphash"] == "HASH" && e.ZipHash != hash:
				t.Errorf("ZipHash %q, want the recorded %q", e.ZipHash, hash)
			}
			if tc.hasMod {
				want, _ := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(mod)), nil })
				if e.ModHash() != want {
					t.Errorf("ModHash %q, want %q", e.ModHash(), want)
				}
			}
		})
	}
	if _, err := (Cache{Root: t.TempDir()}).Lookup(module.Version{Path: "example.test/a", Version: "v1.2"}); err == nil {
		t.Error("a non-canonical version has no cache entry name")
	}
}

func writeZip(t *testing.T, path string, m module.Version, mod string) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, _ := zw.Create(m.Path + "@" + m.Version + "/go.mod")
	w.Write([]byte(mod))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	h, err := dirhash.HashZip(path, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
