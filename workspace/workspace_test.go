package workspace

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/module"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadModule(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"go.mod": "module example.test/app\n\ngo 1.22\n\ntoolchain go1.22.4\n\nrequire (\n\texample.test/a v1.0.0\n\texample.test/b v1.1.0 // indirect\n)\n\nrequire example.test/c v0.1.0\n\nreplace example.test/b => ../b\n\nexclude example.test/a v0.9.0\n",
		"go.sum": "example.test/a v1.0.0 h1:AAA=\nexample.test/a v1.0.0/go.mod h1:BBB=\nexample.test/old v0.1.0/go.mod h1:CCC=\n",
	})
	ws, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := ws.Modules[0]
	if m.Path != "example.test/app" || m.Go != "1.22" || m.Toolchain != "go1.22.4" || m.ToolPos.Line != 5 {
		t.Errorf("module = %q go %q toolchain %q at %v", m.Path, m.Go, m.Toolchain, m.ToolPos)
	}
	want := []struct {
		path      string
		line, col int
		indirect  bool
	}{{"example.test/a", 8, 2, false}, {"example.test/b", 9, 2, true}, {"example.test/c", 12, 9, false}}
	if len(m.Requires) != len(want) {
		t.Fatalf("requires = %v", m.Requires)
	}
	for i, w := range want {
		r := m.Requires[i]
		if r.Path != w.path || r.Pos.Line != w.line || r.Pos.Col != w.col || r.Indirect != w.indirect {
			t.Errorf("require %d = %s at %v indirect %v, want %s at %d:%d", i, r.Path, r.Pos, r.Indirect, w.path, w.line, w.col)
		}
	}
	if len(m.Replaces) != 1 || !m.Replaces[0].Local() || m.Replaces[0].Pos.Line != 14 {
		t.Errorf("replaces = %+v", m.Replaces)
	}
	if len(m.Excludes) != 1 || m.Excludes[0].Pos.Line != 16 {
		t.Errorf("excludes = %+v", m.Excludes)
	}
	if s, ok := ws.Sums.Mod(m.Requires[0].Version); !ok || s.Hash != "h1:BBB=" || s.Pos.Line != 2 {
		t.Errorf("go.mod sum = %+v %v", s, ok)
	}
	if ws.Vendored {
		t.Error("vendored without vendor/modules.txt")
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		arg   string
		want  string
	}{
		{"bad go.mod", map[string]string{"go.mod": "module example.test/x\n\nrequire (\n\texample.test/a v1.0.0 extra\n)\n"}, "", "go.mod:4:"},
		{"unknown directive", map[string]string{"go.mod": "module example.test/x\nfrobnicate 1\n"}, "", "go.mod:2:"},
		{"no module line", map[string]string{"go.mod": "go 1.21\n"}, "", "no module declaration"},
		{"bad go.sum", map[string]string{"go.mod": "module example.test/x\n", "go.sum": "example.test/a v1.0.0 h1:x=\nexample.test/b v1.0.0\n"}, "", "go.sum:2: malformed"},
		{"bad go.work", map[string]string{"go.work": "go 1.22\nuse (\n\t./a\n\tbogus bogus\n)\n"}, "", "go.work:4:"},
		{"go.work use missing", map[string]string{"go.work": "go 1.22\n\nuse ./missing\n"}, "", "go.work:3: use ./missing: no go.mod"},
		{"missing dir", nil, "nope", "nope:"},
		{"empty dir", map[string]string{"README": "x"}, "", "no go.mod or go.work"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, tt.files)
			arg := dir
			if tt.arg != "" {
				arg = filepath.Join(dir, tt.arg)
			}
			_, err := Load(arg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error = %v, want containing %q", err, tt.want)
			}
		})
	}
}

func TestLoadWork(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"go.work":     "go 1.22\n\nuse (\n\t./a\n\t./b\n)\n\nreplace example.test/dep => example.test/fork v1.0.0\n",
		"a/go.mod":    "module example.test/a\n\ngo 1.22\n\nrequire example.test/dep v1.0.0\n",
		"b/go.mod":    "module example.test/b\n\ngo 1.22\n\nrequire example.test/dep v1.0.0\n",
		"a/go.sum":    "example.test/dep v1.0.0 h1:A=\n",
		"go.work.sum": "example.test/fork v1.0.0 h1:F=\n",
	})
	ws, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ws.Work == "" || len(ws.Modules) != 2 || len(ws.Replaces) != 1 {
		t.Fatalf("workspace = %+v", ws)
	}
	if ws.Modules[1].Requires[0].Pos.File != filepath.Join(dir, "b", "go.mod") {
		t.Errorf("require position file = %q", ws.Modules[1].Requires[0].Pos.File)
	}
	if len(ws.Sums.Lines) != 2 {
		t.Errorf("sums = %+v", ws.Sums.Lines)
	}
}

func TestVendorDetection(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"go.mod":             "module example.test/app\n\ngo 1.21\n\nrequire example.test/a v1.0.0\n",
		"vendor/modules.txt": "# example.test/a v1.0.0\n## explicit\nexample.test/a\n",
	})
	ws, err := Load(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !ws.Vendored {
		t.Error("consistent vendor/modules.txt not detected")
	}
	write(t, dir, map[string]string{"vendor/modules.txt": "# example.test/a v0.9.0\n"})
	ws, _ = Load(dir)
	if ws.Vendored {
		t.Error("inconsistent vendor/modules.txt taken as vendored")
	}
}

// TestNonCanonicalVersions: a non-canonical version is a query the go
// command resolves, so it reaches the plan as written.
func TestNonCanonicalVersions(t *testing.T) {
	tests := []struct {
		line    string
		path    string
		version string
	}{
		{"require example.test/good v1.0", "example.test/good", "v1.0"},
		{"require example.test/good v1", "example.test/good", "v1"},
		{"require example.test/good master", "example.test/good", "master"},
		{"require example.test/good latest", "example.test/good", "latest"},
		{"require example.test/c/v2 v2.1", "example.test/c/v2", "v2.1"},
		{"require example.test/c/v2 main", "example.test/c/v2", "main"},
		{"require gopkg.in/yaml.v3 main", "gopkg.in/yaml.v3", "main"},
		{"require example.test/good v1.2.3", "example.test/good", "v1.2.3"},
		{"require example.test/good v2.0.0+incompatible", "example.test/good", "v2.0.0+incompatible"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\n" + tt.line + "\n\nexclude example.test/x v0.1\n\nreplace example.test/y v1.1 => example.test/z dev\n"})
			ws, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			m := ws.Modules[0]
			if len(m.Requires) != 1 || m.Requires[0].Version.Path != tt.path || m.Requires[0].Version.Version != tt.version {
				t.Fatalf("requires = %+v, want %s %s", m.Requires, tt.path, tt.version)
			}
			if r := m.Requires[0].Pos; r.Line != 5 {
				t.Errorf("require at %v, want line 5", r)
			}
			if len(m.Excludes) != 1 || m.Excludes[0].Version.Version != "v0.1" {
				t.Errorf("excludes = %+v, want v0.1 as written", m.Excludes)
			}
			if len(m.Replaces) != 1 || m.Replaces[0].Old.Version != "v1.1" || m.Replaces[0].New.Version != "dev" {
				t.Errorf("replaces = %+v, want v1.1 => dev as written", m.Replaces)
			}
		})
	}
	// A version the major does not allow is still an error, as in go.
	dir := t.TempDir()
	write(t, dir, map[string]string{"go.mod": "module example.test/app\n\nrequire example.test/c/v2 v1.0.0\n"})
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "go.mod:3") {
		t.Errorf("wrong major: error = %v, want go.mod:3", err)
	}
}

// TestSumsLenient: go.sum lines the go command's readGoSum accepts (it
// checks only the field count) load, whatever module.Check thinks of them.
func TestSumsLenient(t *testing.T) {
	tests := []struct {
		name, line, path, version string
	}{
		{"upper-case path", "Example.com/x v1.0.0 h1:AAA=", "Example.com/x", "v1.0.0"},
		{"non-canonical version", "example.test/x v1.0 h1:AAA=", "example.test/x", "v1.0"},
		{"wrong major", "example.test/x/v2 v1.0.0/go.mod h1:AAA=", "example.test/x/v2", "v1.0.0/go.mod"},
		{"no dot in path", "localmod v0.1.0 h1:AAA=", "localmod", "v0.1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "go.sum")
			os.WriteFile(file, []byte("example.test/ok v1.0.0 h1:OK=\n"+tt.line+"\n"), 0o644)
			s, err := LoadSums(context.Background(), file)
			if err != nil {
				t.Fatalf("LoadSums: %v", err)
			}
			if len(s.Lines) != 2 || s.Lines[1].Path != tt.path || s.Lines[1].Version.Version != tt.version || s.Lines[1].Pos.Line != 2 {
				t.Errorf("lines = %+v, want %s %s at line 2", s.Lines, tt.path, tt.version)
			}
		})
	}
}

// TestFirstSumLineDecides: with two lines for one version the first is the
// one the go command checks against.
func TestFirstSumLineDecides(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"go.sum": "example.test/a v1.0.0 h1:FIRST=\nexample.test/a v1.0.0 h1:SECOND=\n"})
	s, err := LoadSums(context.Background(), filepath.Join(dir, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := s.Zip(module.Version{Path: "example.test/a", Version: "v1.0.0"}); !ok || l.Hash != "h1:FIRST=" || l.Pos.Line != 1 {
		t.Errorf("line %+v, want the first", l)
	}
}

// TestFind: a directory resolves to the go.work or go.mod the go command
// would use when run there.
func TestFind(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"go.mod":        "module example.test/root\n",
		"a/b/x.txt":     "x",
		"w/go.work":     "go 1.22\n\nuse ./m\n",
		"w/m/go.mod":    "module example.test/m\n",
		"w/m/pkg/x.txt": "x",
	})
	tests := []struct{ from, gowork, want string }{
		{"a/b", "", "go.mod"},
		{"w/m/pkg", "", "w/go.work"},
		{"w/m/pkg", "auto", "w/go.work"},
		{"w/m/pkg", "off", "w/m/go.mod"},
		{"a", filepath.Join(dir, "w", "go.work"), "w/go.work"},
	}
	for _, tt := range tests {
		got, err := Find(filepath.Join(dir, tt.from), tt.gowork)
		if want := filepath.Join(dir, tt.want); err != nil || got != want {
			t.Errorf("Find(%s, GOWORK=%q) = %q, %v; want %q", tt.from, tt.gowork, got, err, want)
		}
	}
	if _, err := Find(dir, "relative/go.work"); err == nil || !strings.Contains(err.Error(), "not an absolute path") {
		t.Errorf("relative GOWORK: %v", err)
	}
	wss, err := LoadAll(context.Background(), []string{dir, filepath.Join(dir, "a", "b"), filepath.Join(dir, "go.mod"), filepath.Join(dir, "w", "m")}, Options{})
	if err != nil || len(wss) != 2 {
		t.Fatalf("LoadAll = %d workspaces, %v; want the module and the workspace once each", len(wss), err)
	}
}

// TestFindKeepsSpelling: a go.mod in the directory named keeps the
// spelling of that name, as before the walk up existed.
func TestFindKeepsSpelling(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"go.mod": "module example.test/x\n"})
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	if got, err := Find(".", ""); err != nil || got != "go.mod" {
		t.Errorf("Find(.) = %q, %v; want go.mod", got, err)
	}
}

// fields3 must split a go.sum line exactly as strings.Fields, which the
// go command's readGoSum uses, does.
func TestFields3(t *testing.T) {
	for _, line := range []string{
		"",
		"   \t ",
		"example.test/a v1.0.0 h1:abc=",
		"  example.test/a\tv1.0.0  h1:abc=\r",
		"example.test/a v1.0.0",
		"example.test/a v1.0.0 h1:abc= extra",
		"a b c d e f",
		"example.test/ä\u00a0v1.0.0\u2003h1:abc=",
		"a\u0085b\u200bc d",
		"\xff\xfe b c",
	} {
		f, n := fields3(line)
		want := strings.Fields(line)
		if n != min(len(want), 4) {
			t.Errorf("fields3(%q) counted %d, strings.Fields %d", line, n, len(want))
			continue
		}
		for i := 0; i < min(n, 3); i++ {
			if f[i] != want[i] {
				t.Errorf("fields3(%q)[%d] = %q, strings.Fields %q", line, i, f[i], want[i])
			}
		}
	}
}

// A go.sum too large to read before the run's deadline stops at the
// deadline, naming the file and how far it got.
func TestLoadSumsStopsWithContext(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 100_000 {
		fmt.Fprintf(&b, "example.test/m%d v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", i)
	}
	file := filepath.Join(dir, "go.sum")
	if err := os.WriteFile(file, []byte(b.String()), 0o666); err != nil {
		t.Fatal(err)
	}
	if s, err := LoadSums(context.Background(), file); err != nil || len(s.Lines) != 100_000 {
		t.Fatalf("LoadSums = %v; want 100000 lines", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := LoadSums(ctx, file)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), file+": reading stopped after 0 of ") {
		t.Fatalf("LoadSums with a cancelled context = %v; want it stopped before reading %s", err, file)
	}
}

// The loader's lookup tables answer as the line-by-line search does: the
// first replace of an exact version, else the last of the whole path;
// excludes by exact version.
func TestLookupTablesMatchSearch(t *testing.T) {
	v := func(p, ver string) module.Version { return module.Version{Path: p, Version: ver} }
	plain := &Module{
		Replaces: []Replace{
			{Old: v("example.test/a", ""), New: v("example.test/a1", "v1.0.0")},
			{Old: v("example.test/a", "v1.0.0"), New: v("example.test/a2", "v1.0.0")},
			{Old: v("example.test/a", "v1.0.0"), New: v("example.test/a2", "v1.0.0")},
			{Old: v("example.test/a", ""), New: v("example.test/a1", "v1.0.0")},
			{Old: v("example.test/b", "v2.0.0"), New: v("example.test/b1", "v2.0.0")},
		},
		Excludes: []Require{{Version: v("example.test/a", "v0.9.0")}},
	}
	indexed := *plain
	if err := indexed.index(); err != nil {
		t.Fatal(err)
	}
	ws := &Workspace{}
	for _, q := range []module.Version{
		v("example.test/a", "v1.0.0"), v("example.test/a", "v1.1.0"), v("example.test/b", "v2.0.0"),
		v("example.test/b", "v2.0.1"), v("example.test/c", "v1.0.0"), v("example.test/a", "v0.9.0"),
	} {
		r1, ok1 := ws.Replacement(plain, q)
		r2, ok2 := ws.Replacement(&indexed, q)
		if ok1 != ok2 || r1.New != r2.New {
			t.Errorf("Replacement(%v): search %v %v, table %v %v", q, r1.New, ok1, r2.New, ok2)
		}
		if ws.Excluded(plain, q) != ws.Excluded(&indexed, q) {
			t.Errorf("Excluded(%v) differs", q)
		}
	}
	if r, _ := ws.Replacement(&indexed, v("example.test/a", "v1.0.0")); r.New.Path != "example.test/a2" {
		t.Errorf("exact replace = %v, want the first exact line", r.New)
	}
	if r, _ := ws.Replacement(&indexed, v("example.test/a", "v1.1.0")); r.New.Path != "example.test/a1" {
		t.Errorf("path replace = %v, want the whole-path line", r.New)
	}
}

// Two replace lines for one module (or one version of it) naming
// different replacements are the go command's error, at the second line;
// the same replacement twice is not.
func TestConflictingReplacements(t *testing.T) {
	for _, tc := range []struct{ replaces, want string }{
		{"replace example.test/dep v1.0.0 => example.test/ra v1.0.0\nreplace example.test/dep v1.0.0 => example.test/rb v1.0.0\n",
			"go.mod:7: conflicting replacements for example.test/dep@v1.0.0:\n\texample.test/ra@v1.0.0\n\texample.test/rb@v1.0.0"},
		{"replace example.test/dep => example.test/ra v1.0.0\nreplace example.test/dep => ./rb\n",
			"go.mod:7: conflicting replacements for example.test/dep:\n\texample.test/ra@v1.0.0\n\t./rb"},
		{"replace example.test/dep v1.0.0 => example.test/ra v1.0.0\nreplace example.test/dep v1.0.0 => example.test/ra v1.0.0\n", ""},
	} {
		dir := t.TempDir()
		write(t, dir, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nreplace example.test/dep v0.1.0 => example.test/rc v1.0.0\n" + tc.replaces})
		_, err := Load(filepath.Join(dir, "go.mod"))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.replaces, err)
		case tc.want != "" && (err == nil || !strings.HasSuffix(err.Error(), tc.want)):
			t.Errorf("%q: error %v, want it to end %q", tc.replaces, err, tc.want)
		}
	}
}
