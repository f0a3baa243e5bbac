package plan

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/workspace"
)

func load(t *testing.T, files map[string]string) *workspace.Workspace {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ws, err := workspace.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func env(t *testing.T, vars map[string]string, local string) *goenv.Env {
	t.Helper()
	vars["GOENV"] = "off"
	e, err := goenv.Load(func(k string) string { return vars[k] }, "")
	if err != nil {
		t.Fatal(err)
	}
	e.GOVERSION = local
	return e
}

func byID(p *Plan) map[string]*Target {
	m := map[string]*Target{}
	for _, t := range p.Targets {
		m[t.ID()] = t
	}
	return m
}

func TestBuild(t *testing.T) {
	ws := load(t, map[string]string{
		"go.mod": `module example.test/app

go 1.21

require (
	example.test/ok v1.0.0
	example.test/local v1.0.0
	example.test/moved v1.0.0
	corp.example/private v0.1.0
	example.test/excluded v1.0.0
	example.test/skipme v1.0.0
)

replace example.test/local => ./local
replace example.test/moved v1.0.0 => example.test/fork v1.2.0
exclude example.test/excluded v1.0.0
`,
		"go.sum": "example.test/ok v1.0.0 h1:Z=\nexample.test/ok v1.0.0/go.mod h1:M=\nexample.test/graph v0.5.0/go.mod h1:G=\n",
	})
	e := env(t, map[string]string{"GOPRIVATE": "corp.example", "GOTOOLCHAIN": "local"}, "")
	p := Build([]*workspace.Workspace{ws}, Options{Env: e, Ignore: "example.test/skipme"})
	got := byID(p)
	check := func(id, need, skip string, direct bool) *Target {
		t.Helper()
		tg := got[id]
		if tg == nil {
			t.Fatalf("no target %s in %v", id, got)
		}
		if tg.Need != need || tg.Skip != skip || tg.Direct != direct {
			t.Errorf("%s: need %q skip %q direct %v, want %q %q %v", id, tg.Need, tg.Skip, tg.Direct, need, skip, direct)
		}
		return tg
	}
	ok := check("example.test/ok@v1.0.0", NeedZip, "", false)
	if ok.Sum == nil || ok.ModSum == nil || ok.Pos.Line != 6 {
		t.Errorf("ok target sums %v %v at %v", ok.Sum, ok.ModSum, ok.Pos)
	}
	check("example.test/local@v1.0.0", NeedZip, "local replace", false)
	fork := check("example.test/fork@v1.2.0", NeedZip, "", false)
	if fork.Required == nil || fork.Required.Path != "example.test/moved" {
		t.Errorf("replacement lost its requirement: %+v", fork.Required)
	}
	check("corp.example/private@v0.1.0", NeedZip, "", true)
	check("example.test/excluded@v1.0.0", NeedZip, "excluded", false)
	check("example.test/skipme@v1.0.0", NeedZip, "ignored", false)
	graph := check("example.test/graph@v0.5.0", NeedMod, "", false)
	if graph.Pos.Line != 3 || filepath.Base(graph.Pos.File) != "go.sum" {
		t.Errorf("go.mod-only target at %v, want go.sum:3", graph.Pos)
	}
	if last := p.Targets[len(p.Targets)-1]; last.Need != NeedMod {
		t.Errorf("go.mod-only targets should come last, got %s", last.ID())
	}
}

func TestBuildDedupeAndVendor(t *testing.T) {
	a := load(t, map[string]string{"go.mod": "module example.test/a\n\ngo 1.21\n\nrequire example.test/dep v1.0.0\n"})
	b := load(t, map[string]string{
		"go.mod":             "module example.test/b\n\ngo 1.21\n\nrequire example.test/dep v1.0.0\n",
		"go.sum":             "example.test/dep v1.0.0/go.mod h1:x=\n",
		"vendor/modules.txt": "# example.test/dep v1.0.0\n## explicit\n",
	})
	e := env(t, map[string]string{"GOTOOLCHAIN": "local"}, "")
	p := Build([]*workspace.Workspace{a, b}, Options{Env: e})
	// One target per workspace (each has its own go.sum and vendor mode),
	// marked shared so that its requests are sent once.
	if len(p.Targets) != 2 || !p.Targets[0].Shared || !p.Targets[1].Shared {
		t.Fatalf("targets = %+v, want the module once per workspace, shared", p.Targets)
	}
	if p.Targets[0].Skip != "" || p.Targets[1].Skip != "vendor mode" {
		t.Errorf("skips %q, %q: want a's checked and b's vendored", p.Targets[0].Skip, p.Targets[1].Skip)
	}
	if p.Targets[1].ModSum == nil || p.Targets[0].ModSum != nil {
		t.Error("each target must carry its own workspace's go.sum lines")
	}
	p = Build([]*workspace.Workspace{b}, Options{Env: e})
	if p.Targets[0].Skip != "vendor mode" || len(p.Vendored) != 1 {
		t.Errorf("vendored input: skip %q vendored %v", p.Targets[0].Skip, p.Vendored)
	}
	p = Build([]*workspace.Workspace{b}, Options{Env: e, ForceRemote: true})
	if p.Targets[0].Skip != "" {
		t.Errorf("explicit --depth still skipped: %q", p.Targets[0].Skip)
	}
	e = env(t, map[string]string{"GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod"}, "")
	if p = Build([]*workspace.Workspace{b}, Options{Env: e}); p.Targets[0].Skip != "" {
		t.Error("-mod=mod did not override vendor/")
	}
}

func TestToolchain(t *testing.T) {
	tests := []struct {
		name, gomod, gotoolchain, local, want, skip string
	}{
		{"toolchain line newer than local", "go 1.21\ntoolchain go1.22.4\n", "auto", "go1.21.3", "v0.0.1-go1.22.4.linux-amd64", ""},
		{"go line newer than local", "go 1.23\n", "auto", "go1.22.1", "v0.0.1-go1.23.0.linux-amd64", ""},
		{"go line with patch", "go 1.23.2\n", "auto", "go1.22.1", "v0.0.1-go1.23.2.linux-amd64", ""},
		{"local is newer", "go 1.21\ntoolchain go1.22.4\n", "auto", "go1.23.0", "v0.0.1-go1.22.4.linux-amd64", "local go1.23.0 is not older"},
		{"GOTOOLCHAIN=local", "go 1.23\ntoolchain go1.23.4\n", "local", "go1.21.0", "", ""},
		{"pinned GOTOOLCHAIN", "go 1.21\n", "go1.22.9", "go1.21.0", "v0.0.1-go1.22.9.linux-amd64", ""},
		{"old go line never switches", "go 1.16\n", "auto", "go1.15.0", "", ""},
		{"no go binary", "go 1.21\ntoolchain go1.22.4\n", "auto", "", "v0.0.1-go1.22.4.linux-amd64", ""},
		{"GOTOOLCHAIN=path never downloads", "go 1.23\n", "path", "go1.22.1", "v0.0.1-go1.23.0.linux-amd64", "GOTOOLCHAIN=path: looked up on PATH, never downloaded"},
		{"pinned with +path", "go 1.21\n", "go1.22.9+path", "go1.21.0", "v0.0.1-go1.22.9.linux-amd64", "GOTOOLCHAIN=go1.22.9+path: looked up on PATH, never downloaded"},
		// A pinned name runs that toolchain, older than the local go or not.
		{"pinned older than local", "go 1.21\n", "go1.22.0", "go1.26.8", "v0.0.1-go1.22.0.linux-amd64", ""},
		{"pinned ignores go.mod lines", "go 1.23\ntoolchain go1.23.4\n", "go1.22.0", "go1.26.8", "v0.0.1-go1.22.0.linux-amd64", ""},
		{"pinned is the local go", "go 1.21\n", "go1.26.8", "go1.26.8", "", ""},
		// name+auto: the name is a minimum the lines raise.
		{"+auto raised by toolchain line", "go 1.21\ntoolchain go1.23.0\n", "go1.22.0+auto", "go1.26.8", "v0.0.1-go1.23.0.linux-amd64", ""},
		{"+auto raised by go line", "go 1.24\n", "go1.22.0+auto", "go1.26.8", "v0.0.1-go1.24.0.linux-amd64", ""},
		{"+auto minimum wins", "go 1.21\ntoolchain go1.21.5\n", "go1.22.0+auto", "go1.26.8", "v0.0.1-go1.22.0.linux-amd64", ""},
		{"local+auto", "go 1.21\ntoolchain go1.27.1\n", "local+auto", "go1.26.8", "v0.0.1-go1.27.1.linux-amd64", ""},
		{"local+auto satisfied", "go 1.21\n", "local+auto", "go1.26.8", "v0.0.1-go1.21.0.linux-amd64", "local go1.26.8 is not older"},
		{"go line beats older toolchain line", "go 1.24.1\ntoolchain go1.23.0\n", "auto", "go1.22.0", "v0.0.1-go1.24.1.linux-amd64", ""},
		{"toolchain default keeps the local go", "go 1.27\ntoolchain default\n", "auto", "go1.26.8", "", ""},
		{"no lines, auto", "", "auto", "go1.26.8", "", ""},
		{"no go binary, pinned", "go 1.21\n", "go1.22.0", "", "v0.0.1-go1.22.0.linux-amd64", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := load(t, map[string]string{"go.mod": "module example.test/app\n" + tt.gomod})
			// GOOS/GOARCH name the build's target, not the machine the
			// toolchain runs on.
			e := env(t, map[string]string{"GOTOOLCHAIN": tt.gotoolchain, "GOOS": "windows", "GOARCH": "arm64"}, tt.local)
			p := Build([]*workspace.Workspace{ws}, Options{Env: e, Platform: "linux-amd64"})
			var tc *Target
			for _, tg := range p.Targets {
				if tg.Toolchain {
					tc = tg
				}
			}
			if tt.want == "" {
				if tc != nil {
					t.Errorf("unexpected toolchain target %s", tc.ID())
				}
				return
			}
			if tc == nil {
				t.Fatalf("no toolchain target, want %s", tt.want)
			}
			if tc.Module.Path != ToolchainModule || tc.Module.Version != tt.want || tc.Skip != tt.skip || tc.Direct {
				t.Errorf("toolchain = %s skip %q direct %v, want %s skip %q", tc.ID(), tc.Skip, tc.Direct, tt.want, tt.skip)
			}
		})
	}
}

// TestToolchainWorkspace: in workspace mode go.work's lines decide the
// toolchain, not the modules' own.
func TestToolchainWorkspace(t *testing.T) {
	ws := load(t, map[string]string{
		"go.work":  "go 1.21\n\ntoolchain go1.22.7\n\nuse ./a\n",
		"a/go.mod": "module example.test/a\n\ngo 1.21\n\ntoolchain go1.99.0\n",
	})
	e := env(t, map[string]string{"GOTOOLCHAIN": "auto"}, "go1.21.0")
	p := Build([]*workspace.Workspace{ws}, Options{Env: e, Platform: "linux-amd64"})
	var got []string
	for _, tg := range p.Targets {
		if tg.Toolchain {
			got = append(got, tg.Module.Version)
			if filepath.Base(tg.Pos.File) != "go.work" || tg.Pos.Line != 3 {
				t.Errorf("toolchain at %v, want go.work:3", tg.Pos)
			}
		}
	}
	if len(got) != 1 || got[0] != "v0.0.1-go1.22.7.linux-amd64" {
		t.Errorf("toolchain targets %v, want go.work's go1.22.7 only", got)
	}
}

// TestToolchainPlatform: with no Platform the download is for the machine
// the go command runs on, whatever GOOS and GOARCH say.
func TestToolchainPlatform(t *testing.T) {
	ws := load(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\ntoolchain go1.22.4\n"})
	e := env(t, map[string]string{"GOTOOLCHAIN": "auto", "GOOS": "plan9", "GOARCH": "mips"}, "go1.21.0")
	want := "v0.0.1-go1.22.4." + runtime.GOOS + "-" + runtime.GOARCH
	var got []string
	for _, tg := range Build([]*workspace.Workspace{ws}, Options{Env: e}).Targets {
		if tg.Toolchain {
			got = append(got, tg.Module.Version)
		}
	}
	if len(got) != 1 || got[0] != want {
		t.Errorf("toolchain targets %v, want [%s]", got, want)
	}
}

// TestGoSumLeftoversPerWorkspace: go.sum's go.mod-only lines are deduped
// against the requirements of their own workspace, with its excludes and
// replaces applied, whatever the line's position and the workspace's.
func TestGoSumLeftoversPerWorkspace(t *testing.T) {
	first := load(t, map[string]string{"go.mod": "module example.test/first\n\ngo 1.21\n"})
	second := load(t, map[string]string{
		"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire (\n\texample.test/local v1.0.0\n\texample.test/moved v1.0.0\n)\n\nreplace example.test/local => ./local\n\nreplace example.test/moved => example.test/fork v1.2.0\n\nexclude example.test/bad v0.9.0\n",
		"go.sum": "example.test/fork v1.2.0/go.mod h1:F=\n" +
			"example.test/local v1.0.0/go.mod h1:L=\n" +
			"example.test/bad v0.9.0/go.mod h1:B=\n" +
			"example.test/moved v1.0.0/go.mod h1:M=\n" +
			"example.test/graph v0.5.0/go.mod h1:G=\n",
		"local/go.mod": "module example.test/local\n",
	})
	e := env(t, map[string]string{"GOTOOLCHAIN": "local"}, "")
	for _, wss := range [][]*workspace.Workspace{{second}, {first, second}} {
		got := byID(Build(wss, Options{Env: e}))
		want := map[string]string{
			"example.test/local@v1.0.0": "local replace",
			"example.test/fork@v1.2.0":  "",
			"example.test/graph@v0.5.0": "",
		}
		if len(got) != len(want) {
			t.Errorf("%d workspaces: targets %v, want %v", len(wss), keys(got), want)
		}
		for id, skip := range want {
			if tg := got[id]; tg == nil || tg.Skip != skip {
				t.Errorf("%d workspaces: %s = %+v, want skip %q", len(wss), id, tg, skip)
			}
		}
		if f := got["example.test/fork@v1.2.0"]; f != nil && (f.Need != NeedZip || f.ModSum == nil || f.ModSum.Hash != "h1:F=") {
			t.Errorf("replacement: need %s, mod sum %+v", f.Need, f.ModSum)
		}
	}
}

func keys(m map[string]*Target) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestWorkspaceReplaceTable: in workspace mode go.work's replaces win and
// every used module's replaces apply to all of them; a directory in a
// module's replace is relative to that module.
func TestWorkspaceReplaceTable(t *testing.T) {
	ws := load(t, map[string]string{
		"go.work":    "go 1.22\n\nuse (\n\t./a\n\t./b\n)\n\nreplace example.test/y => example.test/wy v1.0.0\n",
		"a/go.mod":   "module example.test/a\n\ngo 1.22\n\nreplace example.test/x v1.1.0 => ./x\n\nreplace example.test/y => example.test/ay v1.0.0\n\nexclude example.test/z v1.0.0\n",
		"a/x/go.mod": "module example.test/x\n",
		"b/go.mod":   "module example.test/b\n\ngo 1.22\n\nrequire (\n\texample.test/x v1.1.0\n\texample.test/y v1.0.0\n\texample.test/z v1.0.0\n)\n",
	})
	e := env(t, map[string]string{"GOTOOLCHAIN": "local"}, "")
	got := byID(Build([]*workspace.Workspace{ws}, Options{Env: e}))
	if x := got["example.test/x@v1.1.0"]; x == nil || x.Skip != "local replace" || x.Problem != "" {
		t.Errorf("x: %+v, want a's local replace, found relative to a/", x)
	}
	if y := got["example.test/wy@v1.0.0"]; y == nil || y.Required == nil || y.Required.Path != "example.test/y" {
		t.Errorf("y: %v, want go.work's replacement", keys(got))
	}
	if z := got["example.test/z@v1.0.0"]; z == nil || z.Skip != "excluded" {
		t.Errorf("z: %+v, want excluded by a's go.mod", z)
	}
}

// TestWorkspaceSelection: two used modules requiring one path at two
// versions build with the higher; the lower is needed for its go.mod only
// (the go command never fetches its zip, as a judge run showed).
func TestWorkspaceSelection(t *testing.T) {
	ws := load(t, map[string]string{
		"go.work":  "go 1.22\n\nuse (\n\t./a\n\t./b\n)\n",
		"a/go.mod": "module example.test/a\n\ngo 1.22\n\nrequire example.test/x v1.0.0\n",
		"b/go.mod": "module example.test/b\n\ngo 1.22\n\nrequire example.test/x v1.2.0\n",
	})
	e := env(t, map[string]string{"GOTOOLCHAIN": "local"}, "")
	got := byID(Build([]*workspace.Workspace{ws}, Options{Env: e}))
	if x := got["example.test/x@v1.0.0"]; x == nil || x.Need != NeedMod {
		t.Errorf("x@v1.0.0: %+v, want need mod", x)
	}
	if x := got["example.test/x@v1.2.0"]; x == nil || x.Need != NeedZip {
		t.Errorf("x@v1.2.0: %+v, want need zip", x)
	}
}

// TestMissingReplacementDir: a directory replacement without its go.mod
// is a problem for the build, unless it builds from vendor/, which holds
// the replacement's copy.
func TestMissingReplacementDir(t *testing.T) {
	gomod := "module example.test/app\n\ngo 1.21\n\nrequire example.test/gone v1.0.0\n\nreplace example.test/gone => ./gone\n"
	e := env(t, map[string]string{"GOTOOLCHAIN": "local"}, "")
	for _, tt := range []struct {
		name    string
		files   map[string]string
		problem bool
	}{
		{"missing", map[string]string{"go.mod": gomod}, true},
		{"present", map[string]string{"go.mod": gomod, "gone/go.mod": "module example.test/gone\n"}, false},
		{"vendored", map[string]string{"go.mod": gomod, "vendor/modules.txt": "# example.test/gone v1.0.0 => ./gone\n## explicit\n"}, false},
	} {
		p := Build([]*workspace.Workspace{load(t, tt.files)}, Options{Env: e})
		if tg := p.Targets[0]; (tg.Problem != "") != tt.problem || tg.Skip != "local replace" {
			t.Errorf("%s: problem %q, skip %q", tt.name, tg.Problem, tg.Skip)
		}
	}
}
