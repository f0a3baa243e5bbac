package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/module"

	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/report"
)

// TestNonCanonicalRequire: a non-canonical version in go.mod is a query
// the go command resolves through the proxy, not a syntax error (exit 2).
func TestNonCanonicalRequire(t *testing.T) {
	srv := goproxytest.New(t, fixtures...)
	tests := []struct {
		version string
		status  report.Status
	}{
		{"v1.0", report.StatusOK},
		{"v1", report.StatusOK},
		{"v1.5", report.StatusNotFound}, // nothing in @v/list matches
		{"master", report.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire example.test/good " + tt.version + "\n"})
			tr := runTool(t, map[string]string{"GOPROXY": srv.URL(), "GOMODCACHE": t.TempDir()}, "--retries", "0", "--fail-on", "never", dir)
			if tr.code != 0 || tr.rep == nil {
				t.Fatalf("exit %d, want 0:\n%s", tr.code, tr.stderr)
			}
			if len(tr.rep.Modules) != 1 {
				t.Fatalf("modules %+v, want one", tr.rep.Modules)
			}
			m := tr.rep.Modules[0]
			if m.Path != "example.test/good" || m.Status != tt.status || m.Line != 5 {
				t.Errorf("module %s at line %d: %s (%s: %s), want %s at line 5", m.ID(), m.Line, m.Status, m.Cause, m.Detail, tt.status)
			}
		})
	}
}

// queryFixtures hold, for each module, the shape a query rule turns on:
// releases around a pre-release, pre-releases alone, a pseudo-version
// alone (only @latest names it), +incompatible versions above a
// module-aware and above a legacy release.
var queryFixtures = []goproxytest.Module{
	{Path: "example.test/q", Version: "v1.0.0", Files: map[string]string{"q.go": "package q\n"}},
	{Path: "example.test/q", Version: "v1.0.1", Files: map[string]string{"q.go": "package q\n"}},
	{Path: "example.test/q", Version: "v1.1.0", Files: map[string]string{"q.go": "package q\n"}},
	{Path: "example.test/q", Version: "v1.2.0-rc.1", Files: map[string]string{"q.go": "package q\n"}},
	{Path: "example.test/pre", Version: "v0.1.0-beta.1", Files: map[string]string{"p.go": "package pre\n"}},
	{Path: "example.test/pre", Version: "v0.1.0-beta.2", Files: map[string]string{"p.go": "package pre\n"}},
	{Path: "example.test/pseudo", Version: "v0.0.0-20240102030405-abcdefabcdef", Files: map[string]string{"p.go": "package pseudo\n"}},
	{Path: "example.test/aware", Version: "v1.0.0", Files: map[string]string{"go.mod": "module example.test/aware\n\ngo 1.21\n", "a.go": "package aware\n"}},
	{Path: "example.test/aware", Version: "v2.0.0+incompatible", Files: map[string]string{"a.go": "package aware\n"}},
	{Path: "example.test/legacy", Version: "v1.0.0", Files: map[string]string{"go.mod": "module example.test/legacy\n", "l.go": "package legacy\n"}}, // the go.mod proxies synthesise
	{Path: "example.test/legacy", Version: "v2.0.0+incompatible", Files: map[string]string{"l.go": "package legacy\n"}},
}

// TestQueryRequire: every query a go.mod may name (latest, upgrade,
// patch, comparisons, a version with +build metadata, a prefix) resolves
// to the version the go command writes into go.mod (`go list -m` with
// GOFLAGS=-mod=mod is the judge), or fails where it fails. In the default
// readonly mode the only finding is then gomod_update, as `go build`'s.
func TestQueryRequire(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not installed: no judge for the differential test")
	}
	srv := goproxytest.New(t, queryFixtures...)
	proxies := map[string]string{"http": srv.URL(), "file": fileMirror(t, srv.URL(), queryFixtures)}
	tests := []struct{ path, query string }{
		{"example.test/q", "latest"},
		{"example.test/q", "upgrade"},
		{"example.test/q", "patch"}, // no current version: the go command refuses
		{"example.test/q", "<v1.1.0"},
		{"example.test/q", "<=v1.0.1"},
		{"example.test/q", "<=v1.0"}, // ambiguous
		{"example.test/q", ">v1.0.0"},
		{"example.test/q", ">=v1.0.1"},
		{"example.test/q", ">=v1.1.1"}, // only a pre-release matches
		{"example.test/q", "<v1.0.0"},  // nothing matches
		{"example.test/q", "v1.0.0+meta"},
		{"example.test/q", "v1.1"},
		{"example.test/pre", "latest"},
		{"example.test/pseudo", "latest"},
		{"example.test/aware", "latest"},
		{"example.test/legacy", "latest"},
	}
	for _, tt := range tests {
		for kind, proxy := range proxies {
			t.Run(kind+"/"+tt.path+"@"+tt.query, func(t *testing.T) {
				testQuery(t, proxy, tt.path, tt.query)
			})
		}
	}
}

// testQuery checks one query through one proxy against the judge.
func testQuery(t *testing.T, proxy, path, query string) {
	t.Helper()
	gomod := "module example.test/app\n\ngo 1.21\n\nrequire " + path + " " + query + "\n"
	want := judgeQuery(t, proxy, gomod, path)

	dir := writeModule(t, map[string]string{"go.mod": gomod})
	tr := runTool(t, map[string]string{"GOPROXY": proxy, "GOMODCACHE": t.TempDir()}, "--retries", "0", "--fail-on", "never", dir)
	if want == "" {
		if tr.code == 2 {
			return // refused as input, as the go command refuses it
		}
		if tr.rep == nil || len(tr.rep.Modules) != 1 || tr.rep.Modules[0].Status == report.StatusOK {
			t.Fatalf("the go command fails on %s %s; exit %d, report %+v\n%s", path, query, tr.code, tr.rep, tr.stderr)
		}
		return
	}
	if tr.code != 0 || tr.rep == nil || len(tr.rep.Modules) != 1 {
		t.Fatalf("exit %d, want 0 and one module:\n%s", tr.code, tr.stderr)
	}
	m := tr.rep.Modules[0]
	if m.Status != report.StatusOK {
		t.Fatalf("%s %s: %s (%s: %s), the go command resolves it to %s", path, query, m.Status, m.Cause, m.Detail, want)
	}
	ev, _ := module.EscapeVersion(want)
	fetched := false
	for _, a := range m.Attempts {
		fetched = fetched || strings.HasSuffix(a.URL, "/@v/"+ev+".zip")
	}
	if !fetched {
		t.Errorf("%s %s: no request for %s's zip in %+v", path, query, want, m.Attempts)
	}

	// Readonly (go build's default): the query is an error of its
	// own, and only that.
	tr = runTool(t, map[string]string{"GOPROXY": proxy, "GOMODCACHE": t.TempDir(), "GOFLAGS": ""}, "--retries", "0", dir)
	if tr.code != 1 || tr.rep == nil {
		t.Fatalf("readonly: exit %d, want 1:\n%s", tr.code, tr.stderr)
	}
	var causes []string
	for _, f := range tr.rep.Findings {
		causes = append(causes, string(f.Cause))
	}
	if len(causes) != 1 || causes[0] != "gomod_update" {
		t.Errorf("readonly: findings %v, want only gomod_update", causes)
	}
}

// judgeQuery returns the version `go list -m` resolves path's query in
// gomod to (GOFLAGS=-mod=mod lets it rewrite go.mod), or "" when it fails.
func judgeQuery(t *testing.T, proxy, gomod, path string) string {
	t.Helper()
	dir := writeModule(t, map[string]string{"go.mod": gomod})
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Version}}", path)
	cmd.Dir = dir
	cmd.Env = goproxytest.GoEnv(t, "GOPROXY="+proxy)
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// fileMirror is a file:// GOPROXY built as users build one: the module
// cache's download directory after `go mod download` of every fixture
// (an @v/list of what was downloaded, no @latest).
func fileMirror(t *testing.T, proxy string, mods []goproxytest.Module) string {
	t.Helper()
	env := goproxytest.GoEnv(t, "GOPROXY="+proxy)
	var args []string
	for _, m := range mods {
		args = append(args, m.Path+"@"+m.Version)
	}
	cmd := exec.Command("go", append([]string{"mod", "download"}, args...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go mod download: %v\n%s", err, out)
	}
	for _, kv := range env {
		if dir, ok := strings.CutPrefix(kv, "GOMODCACHE="); ok {
			return "file://" + filepath.ToSlash(filepath.Join(dir, "cache", "download"))
		}
	}
	t.Fatal("GoEnv sets no GOMODCACHE")
	return ""
}
