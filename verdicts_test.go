package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/internal/sumdbtest"
	"github.com/gopreflight/gopreflight/report"
)

// goRun runs the real go command in dir against the test's servers (a
// fresh module cache, GOENV=off; vars override goproxytest.GoEnv) and
// returns its combined output and whether it succeeded.
func goRun(t *testing.T, dir string, vars []string, args ...string) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not installed: no judge for the differential test")
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = goproxytest.GoEnv(t, vars...)
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

func hasFinding(rep *report.Report, c cause.Code, sev report.Severity, substr string) bool {
	for _, f := range rep.Findings {
		if f.Cause == c && (sev == "" || f.Severity == sev) && strings.Contains(f.Title+" "+f.Detail, substr) {
			return true
		}
	}
	return false
}

// TestWorkspaceReplaces: in workspace mode the replaces of every used
// module apply to the whole workspace (go.work's first), so a version one
// module requires and another module replaces is never fetched; two
// modules replacing one version differently is the go command's
// "conflicting replacements" error.
func TestWorkspaceReplaces(t *testing.T) {
	fork := goproxytest.Module{Path: "example.test/fork", Version: "v1.0.0", Files: map[string]string{"go.mod": "module example.test/x\n", "x.go": "package x\n"}}
	proxy := goproxytest.New(t, append(fixtures, fork)...)
	files := map[string]string{
		"go.work":        "go 1.22\n\nuse (\n\t./a\n\t./b\n)\n",
		"a/go.mod":       "module example.test/a\n\ngo 1.22\n\nrequire example.test/good v1.0.0\n\nreplace example.test/x v1.1.0 => example.test/fork v1.0.0\n\nreplace example.test/gone => ./local\n",
		"a/go.sum":       sumLines(proxy, "example.test/good@v1.0.0"),
		"a/local/go.mod": "module example.test/gone\n\ngo 1.22\n",
		// b requires two versions no proxy has: a replaces both.
		"b/go.mod": "module example.test/b\n\ngo 1.22\n\nrequire (\n\texample.test/x v1.1.0\n\texample.test/gone v1.0.0\n\texample.test/good v1.0.0\n)\n",
		"b/go.sum": sumLines(proxy, "example.test/fork@v1.0.0", "example.test/good@v1.0.0"),
	}
	dir := writeModule(t, files)
	vars := []string{"GOPROXY=" + proxy.URL(), "GOWORK=", "GOFLAGS=-modcacherw"}
	out, ok := goRun(t, filepath.Join(dir, "b"), vars, "list", "-m", "all")
	if !ok || !strings.Contains(out, "example.test/x v1.1.0 => example.test/fork v1.0.0") {
		t.Fatalf("judge: go list -m all in the workspace: %s", out)
	}
	if out, ok := goRun(t, dir, vars, "mod", "download"); !ok {
		t.Fatalf("judge: go mod download in the workspace: %s", out)
	}
	before := proxy.Count("example.test/x/")
	tr := runTool(t, map[string]string{"GOPROXY": proxy.URL(), "GOFLAGS": ""}, "--retries", "0", dir)
	if tr.code != 0 {
		t.Fatalf("exit %d, want 0 as the go command succeeds:\n%s%s", tr.code, tr.stdout, tr.stderr)
	}
	if n := proxy.Count("example.test/x/") - before; n != 0 {
		t.Errorf("the replaced example.test/x@v1.1.0 was requested %d times", n)
	}
	if m := tr.module(t, "example.test/fork", "v1.0.0"); m.Status != report.StatusOK || !strings.HasSuffix(m.File, filepath.Join("b", "go.mod")) {
		t.Errorf("replacement: %s at %s", m.Status, m.File)
	}
	if m := tr.module(t, "example.test/gone", "v1.0.0"); m.Status != report.StatusSkipped || m.Detail != "local replace" {
		t.Errorf("local replace from the other module: %s %q", m.Status, m.Detail)
	}

	t.Run("the higher of two required versions", func(t *testing.T) {
		p := goproxytest.New(t, fixtures...)
		// good@v1.0.0 has no zip: the build never needs it.
		p.Handle(func(path string) bool { return path == "/example.test/good/@v/v1.0.0.zip" }, http.NotFoundHandler())
		dir := writeModule(t, map[string]string{
			"go.work":  "go 1.22\n\nuse (\n\t./a\n\t./b\n)\n",
			"a/go.mod": "module example.test/a\n\ngo 1.22\n\nrequire example.test/good v1.0.0\n",
			"a/go.sum": sumLines(proxy, "example.test/good@v1.0.0"),
			"a/a.go":   "package a\n\nimport _ \"example.test/good\"\n",
			"b/go.mod": "module example.test/b\n\ngo 1.22\n\nrequire example.test/good v1.1.0\n",
			"b/go.sum": sumLines(proxy, "example.test/good@v1.1.0"),
			"b/b.go":   "package b\n\nimport _ \"example.test/good\"\n",
		})
		vars := []string{"GOPROXY=" + p.URL(), "GOWORK=", "GOFLAGS=-modcacherw"}
		if out, ok := goRun(t, dir, vars, "build", "./a", "./b"); !ok {
			t.Fatalf("judge: go build: %s", out)
		}
		tr := runTool(t, map[string]string{"GOPROXY": p.URL(), "GOFLAGS": ""}, "--retries", "0", "--depth", "zip", dir)
		if m := tr.module(t, "example.test/good", "v1.0.0"); m.Need != "mod" || tr.code != 0 {
			t.Errorf("good@v1.0.0: need %s, status %s (%s); exit %d", m.Need, m.Status, m.Detail, tr.code)
		}
		if n := p.Count("example.test/good/@v/v1.0.0.zip"); n != 0 {
			t.Errorf("the zip of the version the build does not use was requested %d times", n)
		}
	})

	t.Run("go.work replacing another version of the path", func(t *testing.T) {
		// go.work replaces good@v0.9.0; a's replace of good@v1.0.0 still
		// applies, and its replacement is on no proxy.
		dir := writeModule(t, map[string]string{
			"go.work":  "go 1.22\n\nuse ./a\n\nreplace example.test/good v0.9.0 => example.test/fork v1.2.0\n",
			"a/go.mod": "module example.test/a\n\ngo 1.22\n\nrequire example.test/good v1.0.0\n\nreplace example.test/good v1.0.0 => example.test/gone v1.0.0\n",
			"a/a.go":   "package a\n\nimport _ \"example.test/good\"\n",
		})
		if out, ok := goRun(t, dir, vars, "mod", "download"); ok || !strings.Contains(out, "example.test/gone") {
			t.Fatalf("judge: want go mod download to fail on the replacement: %s", out)
		}
		tr := runTool(t, map[string]string{"GOPROXY": proxy.URL(), "GOFLAGS": ""}, "--retries", "0", dir)
		if m := tr.module(t, "example.test/gone", "v1.0.0"); tr.code != 1 || m.Status != report.StatusNotFound {
			t.Errorf("exit %d, gone %s (%s); want exit 1 and the replacement not found", tr.code, m.Status, m.Detail)
		}
	})

	t.Run("conflicting replacements", func(t *testing.T) {
		files := map[string]string{
			"go.work":  "go 1.22\n\nuse (\n\t./a\n\t./b\n)\n",
			"a/go.mod": "module example.test/a\n\ngo 1.22\n\nreplace example.test/x v1.1.0 => example.test/fork v1.0.0\n",
			"b/go.mod": "module example.test/b\n\ngo 1.22\n\nrequire example.test/x v1.1.0\n\nreplace example.test/x v1.1.0 => example.test/good v1.0.0\n",
		}
		dir := writeModule(t, files)
		out, ok := goRun(t, dir, vars, "list", "-m", "all")
		if ok || !strings.Contains(out, "conflicting replacements for example.test/x@v1.1.0") {
			t.Fatalf("judge: %s", out)
		}
		tr := runTool(t, map[string]string{"GOPROXY": proxy.URL(), "GOFLAGS": ""}, dir)
		if tr.code != 2 || !strings.Contains(tr.stderr, "conflicting replacements for example.test/x@v1.1.0") || !strings.Contains(tr.stderr, filepath.Join("b", "go.mod")+":7") {
			t.Errorf("exit %d, want 2 naming the conflict at b/go.mod:7:\n%s", tr.code, tr.stderr)
		}
		// go.work's replace settles it, as the go command's message says.
		os.WriteFile(filepath.Join(dir, "go.work"), []byte(files["go.work"]+"\nreplace example.test/x v1.1.0 => example.test/fork v1.0.0\n"), 0o644)
		if out, ok := goRun(t, dir, vars, "list", "-m", "all"); !ok {
			t.Fatalf("judge with go.work's replace: %s", out)
		}
		tr = runTool(t, map[string]string{"GOPROXY": proxy.URL(), "GOFLAGS": "", "GOSUMDB": "off"}, "--fail-on", "never", dir)
		if tr.code != 0 {
			t.Fatalf("exit %d with go.work's replace:\n%s", tr.code, tr.stderr)
		}
		tr.module(t, "example.test/fork", "v1.0.0")
	})
}

// TestGoSumLeftovers: go.sum lines left for an excluded version, or for a
// module now replaced by a directory (replace added without go mod tidy),
// name nothing the build fetches: the go command succeeds without them,
// whichever go.sum line they are on.
func TestGoSumLeftovers(t *testing.T) {
	proxy := goproxytest.New(t, fixtures...)
	sum := sumLines(proxy, "example.test/good@v1.0.0") +
		"example.test/local v1.0.0/go.mod h1:Q20WmVx/S+NDp0pKCii1umMHtnzZ0qXJmVHBb0oLY9M=\n" +
		"example.test/bad v0.9.0/go.mod h1:Q20WmVx/S+NDp0pKCii1umMHtnzZ0qXJmVHBb0oLY9M=\n"
	dir := writeModule(t, map[string]string{
		"go.mod":       "module example.test/app\n\ngo 1.21\n\nrequire (\n\texample.test/good v1.0.0\n\texample.test/local v1.0.0\n)\n\nreplace example.test/local => ./local\n\nexclude example.test/bad v0.9.0\n",
		"go.sum":       sum,
		"local/go.mod": "module example.test/local\n\ngo 1.21\n",
		"main.go":      "package main\n\nimport _ \"example.test/good\"\n\nfunc main() {}\n",
	})
	vars := []string{"GOPROXY=" + proxy.URL(), "GOFLAGS=-modcacherw"}
	if out, ok := goRun(t, dir, vars, "build", "./..."); !ok {
		t.Fatalf("judge: go build: %s", out)
	}
	if out, ok := goRun(t, dir, vars, "list", "-m", "all"); !ok {
		t.Fatalf("judge: go list -m all: %s", out)
	}
	tr := runTool(t, map[string]string{"GOPROXY": proxy.URL(), "GOFLAGS": ""}, "--retries", "0", dir)
	if tr.code != 0 {
		t.Errorf("exit %d, want 0:\n%s", tr.code, tr.stdout)
	}
	for _, m := range tr.rep.Modules {
		if m.Status != report.StatusOK && m.Status != report.StatusSkipped {
			t.Errorf("%s: %s (%s)", m.ID(), m.Status, m.Detail)
		}
		if m.Path == "example.test/bad" {
			t.Errorf("excluded version checked: %s %s", m.ID(), m.Status)
		}
	}
	if n := proxy.Count("example.test/local/") + proxy.Count("example.test/bad/"); n != 0 {
		t.Errorf("%d requests for versions the build never fetches", n)
	}
}

// tokenProxy serves a module proxy (and its checksum database) only to
// requests whose query string carries token=T, as a private proxy
// authenticating by URL does.
func tokenProxy(t *testing.T, backend *goproxytest.Server) string {
	target, _ := url.Parse(backend.URL())
	rp := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("token") != "T" || !strings.HasPrefix(r.URL.Path, "/p/") {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		r.URL.Path, r.URL.RawPath = strings.TrimPrefix(r.URL.Path, "/p"), ""
		r.URL.RawQuery = ""
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL + "/p?token=T"
}

// TestProxyURLWithQuery: a GOPROXY entry with a query string gets the
// module path joined before the query, for modules and for the checksum
// database it proxies, as the go command builds them.
func TestProxyURLWithQuery(t *testing.T) {
	backend := goproxytest.New(t, fixtures...)
	db := sumdbtest.New(t, "sum.example.test")
	for _, id := range []string{"example.test/good@v1.0.0", "example.test/Upper@v1.0.0"} {
		p, v, _ := strings.Cut(id, "@")
		db.AddModule(backend.GoSum(p, v))
	}
	backend.ProxySumDB(db)
	proxy := tokenProxy(t, backend)
	dir := writeModule(t, map[string]string{
		"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire (\n\texample.test/good v1.0.0\n\texample.test/Upper v1.0.0\n)\n",
		"go.sum": sumLines(backend, "example.test/good@v1.0.0"), // Upper's lines come from the database
	})
	// The database is named without a URL: it is reached through the proxy.
	vars := []string{"GOPROXY=" + proxy, "GOSUMDB=" + db.VerifierKey(), "GOFLAGS=-modcacherw"}
	if out, ok := goRun(t, dir, vars, "mod", "download", "-json", "example.test/good", "example.test/Upper"); !ok {
		t.Fatalf("judge: %s", out)
	}
	tr := runTool(t, map[string]string{"GOPROXY": proxy, "GOSUMDB": db.VerifierKey(), "GOFLAGS": "-mod=mod"}, "--retries", "0", "--verbose", dir)
	if tr.code != 0 {
		t.Fatalf("exit %d, want 0 as the go command succeeds:\n%s", tr.code, tr.stdout)
	}
	for _, m := range tr.rep.Modules {
		if m.Status != report.StatusOK {
			t.Errorf("%s: %s (%s: %s)", m.ID(), m.Status, m.Cause, m.Detail)
		}
	}
	if tr.rep.Checksums.Status != report.SumDBVerified || !strings.Contains(tr.rep.Checksums.URL, "/p/sumdb/sum.example.test?token=") {
		t.Errorf("checksum database %s at %s, want verified through the proxy", tr.rep.Checksums.Status, tr.rep.Checksums.URL)
	}
	if strings.Contains(tr.stdout, "token=T") {
		t.Errorf("the token reached the report:\n%s", tr.stdout)
	}
	// Module requests' URLs hold "/@v/" before the query: the token must
	// not reach the JSON report's attempts nor the --verbose request log.
	data, err := json.Marshal(tr.rep)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "token=T") {
		t.Errorf("the token reached the JSON report:\n%s", data)
	}
	if !strings.Contains(tr.stderr, "/@v/v1.0.0.mod?token=***") || strings.Contains(tr.stderr, "token=T") {
		t.Errorf("the --verbose log should name the module requests with the token redacted:\n%s", tr.stderr)
	}
}

// TestProxyListAsGoCommand: GOPROXY entries the go command accepts are
// accepted, and a failing one falls through after '|' as it does there.
func TestProxyListAsGoCommand(t *testing.T) {
	proxy := goproxytest.New(t, fixtures...)
	for _, tt := range []struct {
		goproxy string
		code    int
	}{
		{"https://|" + proxy.URL(), 0},
		{"https://," + proxy.URL(), 1},
	} {
		t.Run(tt.goproxy, func(t *testing.T) {
			dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire example.test/good v1.0.0\n"})
			_, ok := goRun(t, dir, []string{"GOPROXY=" + tt.goproxy}, "mod", "download", "example.test/good@v1.0.0")
			if ok != (tt.code == 0) {
				t.Fatalf("judge: go mod download succeeded=%v, want %v", ok, tt.code == 0)
			}
			tr := runTool(t, map[string]string{"GOPROXY": tt.goproxy}, "--retries", "0", dir)
			if tr.code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s%s", tr.code, tt.code, tr.stdout, tr.stderr)
			}
			if m := tr.module(t, "example.test/good", "v1.0.0"); (m.Status == report.StatusOK) != ok {
				t.Errorf("status %s (%s: %s), the go command succeeded=%v", m.Status, m.Cause, m.Detail, ok)
			}
			for _, e := range tr.rep.Endpoints {
				if e.Host == "" || e.URL == "https://" {
					t.Errorf("an endpoint with no host: %+v", e)
				}
			}
			if !ok && !hasFinding(tr.rep, cause.TCPUnreachable, report.SeverityError, "GOPROXY entry https:// names no host") {
				t.Errorf("findings: %+v", tr.rep.Findings)
			}
		})
	}
}

// TestRefusedInputs: where the go command refuses to load modules at all,
// gopreflight exits 2 with its error, naming the file (and line).
func TestRefusedInputs(t *testing.T) {
	proxy := goproxytest.New(t, fixtures...)
	good := sumLines(proxy, "example.test/good@v1.0.0")
	tests := []struct {
		name  string
		files map[string]string
		env   map[string]string
		goArg []string
		goSay string
		want  []string
	}{
		{
			name:  "malformed module path",
			files: map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire \"example.test/a b\" v1.0.0\n"},
			goArg: []string{"list", "-m", "all"}, goSay: `malformed module path "example.test/a b": invalid char ' '`,
			want: []string{"go.mod:5:", `malformed module path "example.test/a b": invalid char ' '`},
		},
		{
			name:  "-mod=vendor without vendor/",
			files: map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire example.test/good v1.0.0\n", "go.sum": good},
			env:   map[string]string{"GOFLAGS": "-mod=vendor"},
			goArg: []string{"list", "-m", "all"}, goSay: "inconsistent vendoring",
			want: []string{"inconsistent vendoring", filepath.Join("vendor", "modules.txt"), "go mod vendor"},
		},
		{
			name: "-mod=mod in a workspace",
			files: map[string]string{
				"go.work": "go 1.22\n\nuse ./a\n", "a/go.mod": "module example.test/a\n\ngo 1.22\n\nrequire example.test/good v1.0.0\n", "a/go.sum": good,
			},
			env:   map[string]string{"GOFLAGS": "-mod=mod"},
			goArg: []string{"list", "-m", "all"}, goSay: "-mod may only be set to readonly or vendor when in workspace mode",
			want: []string{"go.work", "-mod may only be set to readonly or vendor when in workspace mode", "GOWORK=off"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeModule(t, tt.files)
			vars := []string{"GOPROXY=" + proxy.URL(), "GOWORK=", "GOFLAGS=-modcacherw"}
			for k, v := range tt.env {
				vars = append(vars, k+"="+v+" -modcacherw")
			}
			if out, ok := goRun(t, dir, vars, tt.goArg...); ok || !strings.Contains(out, tt.goSay) {
				t.Fatalf("judge: succeeded=%v, want a failure saying %q:\n%s", ok, tt.goSay, out)
			}
			env := map[string]string{"GOPROXY": proxy.URL(), "GOFLAGS": ""}
			for k, v := range tt.env {
				env[k] = v
			}
			tr := runTool(t, env, dir)
			for _, w := range tt.want {
				if tr.code != 2 || !strings.Contains(tr.stderr, w) {
					t.Errorf("exit %d, want 2 with %q:\n%s%s", tr.code, w, tr.stdout, tr.stderr)
				}
			}
		})
	}
}

// TestBuildRefusals: inputs on which the go command starts but the build
// fails before any download fail the gate with the go command's fix: a
// query where go.mod needs a version ("updates to go.mod needed") and a
// local replacement directory that is missing.
func TestBuildRefusals(t *testing.T) {
	proxy := goproxytest.New(t, fixtures...)
	proxy.Handle(func(p string) bool { return p == "/example.test/good/@v/main.info" }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"Version":"v1.1.0","Time":"2024-01-02T03:04:05Z"}`))
	}))
	sum := sumLines(proxy, "example.test/good@v1.1.0")
	main := "package main\n\nimport _ \"example.test/good\"\n\nfunc main() {}\n"
	for _, tt := range []struct {
		name, version, flags string
		code                 int
		cause                cause.Code
	}{
		{"branch", "main", "", 1, cause.GoModUpdate},
		{"semver prefix", "v1.1", "", 1, cause.GoModUpdate},
		{"branch with -mod=mod", "main", "-mod=mod", 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeModule(t, map[string]string{
				"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire example.test/good " + tt.version + "\n", "go.sum": sum, "main.go": main,
			})
			// The judge builds a copy: with -mod=mod it rewrites go.mod.
			judgeDir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire example.test/good " + tt.version + "\n", "go.sum": sum, "main.go": main})
			out, ok := goRun(t, judgeDir, []string{"GOPROXY=" + proxy.URL(), "GOFLAGS=-modcacherw " + tt.flags}, "build", ".")
			if ok != (tt.code == 0) || (!ok && !strings.Contains(out, "updates to go.mod needed")) {
				t.Fatalf("judge: go build succeeded=%v:\n%s", ok, out)
			}
			tr := runTool(t, map[string]string{"GOPROXY": proxy.URL(), "GOFLAGS": tt.flags}, "--retries", "0", dir)
			if tr.code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s%s", tr.code, tt.code, tr.stdout, tr.stderr)
			}
			if tt.cause != "" && !hasFinding(tr.rep, tt.cause, report.SeverityError, "go.mod:5: example.test/good "+tt.version) {
				t.Errorf("no %s finding at go.mod:5: %+v", tt.cause, tr.rep.Findings)
			}
			for _, f := range tr.rep.Findings {
				if f.Cause == cause.GoModUpdate && !strings.Contains(f.Advice+f.Fix, "go mod tidy") {
					t.Errorf("finding without the go command's fix: %+v", f)
				}
			}
		})
	}

	t.Run("missing replacement directory", func(t *testing.T) {
		dir := writeModule(t, map[string]string{
			"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire example.test/gone v1.0.0\n\nreplace example.test/gone => ./gone\n",
		})
		if out, ok := goRun(t, dir, []string{"GOPROXY=" + proxy.URL(), "GOFLAGS=-modcacherw"}, "list", "-m", "all"); ok || !strings.Contains(out, "gone/go.mod: no such file") {
			t.Fatalf("judge: %s", out)
		}
		tr := runTool(t, map[string]string{"GOPROXY": proxy.URL(), "GOFLAGS": ""}, dir)
		if tr.code != 1 {
			t.Fatalf("exit %d, want 1:\n%s", tr.code, tr.stdout)
		}
		m := tr.module(t, "example.test/gone", "v1.0.0")
		if m.Status != report.StatusNotFound || !strings.Contains(m.Detail, filepath.Join(dir, "gone")) {
			t.Errorf("status %s, detail %q: want not_found naming the directory", m.Status, m.Detail)
		}
		if !hasFinding(tr.rep, cause.NotFound, report.SeverityError, "replacement directory ./gone does not exist") {
			t.Errorf("findings: %+v", tr.rep.Findings)
		}
		if strings.Contains(tr.stdout, "not network interference") || strings.Contains(tr.stdout, "404") {
			t.Errorf("a missing directory explained as a proxy's answer:\n%s", tr.stdout)
		}
	})
}

// TestMirrorMismatchSecond: a mirror behind the one the build uses that
// serves a .mod differing from go.sum is named (a warning while the build
// fetches nothing through it, an error when it does) and never
// recommended.
func TestMirrorMismatchSecond(t *testing.T) {
	first := goproxytest.New(t, fixtures...)
	first.Remove("example.test/fork", "v1.2.0")
	second := goproxytest.New(t, fixtures...)
	second.Tamper("example.test/good", "v1.0.0", "module example.test/good\n\nrequire example.test/evil v1.0.0\n")
	sum := sumLines(first, "example.test/good@v1.0.0", "example.test/Upper@v1.0.0")
	for _, tt := range []struct {
		name     string
		requires string
		sum      string
		severity report.Severity
		code     int
	}{
		{"not used", "example.test/good v1.0.0\n\texample.test/Upper v1.0.0", sum, report.SeverityWarning, 0},
		{"used for another version", "example.test/good v1.0.0\n\texample.test/fork v1.2.0", sumLines(first, "example.test/good@v1.0.0") + sumLines(second, "example.test/fork@v1.2.0"), report.SeverityError, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			goproxy := first.URL() + "," + second.URL()
			dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire (\n\t" + tt.requires + "\n)\n", "go.sum": tt.sum})
			if out, ok := goRun(t, dir, []string{"GOPROXY=" + goproxy, "GOFLAGS=-modcacherw"}, "mod", "download"); !ok {
				t.Fatalf("judge: %s", out)
			}
			tr := runTool(t, map[string]string{"GOPROXY": goproxy, "GOFLAGS": ""}, "--retries", "0", dir)
			if tr.code != tt.code {
				t.Errorf("exit %d, want %d:\n%s", tr.code, tt.code, tr.stdout)
			}
			if m := tr.module(t, "example.test/good", "v1.0.0"); m.Status != report.StatusOK || m.Via != first.URL() {
				t.Errorf("good: %s via %s", m.Status, m.Via)
			}
			found := false
			for _, f := range tr.rep.Findings {
				if f.Cause == cause.ChecksumMismatch && len(f.Endpoints) == 1 && f.Endpoints[0] == second.URL() {
					found = true
					if f.Severity != tt.severity || len(f.Modules) != 1 || f.Modules[0] != "example.test/good@v1.0.0" {
						t.Errorf("finding %+v, want %s for example.test/good@v1.0.0", f, tt.severity)
					}
				}
			}
			if !found {
				t.Errorf("no checksum_mismatch finding names %s: %+v", second.URL(), tr.rep.Findings)
			}
			if strings.Contains(tr.rep.Recommendation.GOPROXY, second.URL()) {
				t.Errorf("recommended %q, which holds the mismatching mirror", tr.rep.Recommendation.GOPROXY)
			}
		})
	}
}

// TestFindsModuleAsGoCommand: a directory PATH is where the go command
// would run: it walks up to the nearest go.work or go.mod, honouring
// GOWORK (unset, off, or a file).
func TestFindsModuleAsGoCommand(t *testing.T) {
	proxy := goproxytest.New(t, fixtures...)
	good := sumLines(proxy, "example.test/good@v1.0.0")
	root := writeModule(t, map[string]string{
		"go.mod":            "module example.test/root\n\ngo 1.22\n\nrequire example.test/good v1.0.0\n",
		"go.sum":            good,
		"sub/deeper/x.txt":  "not a module\n",
		"ws/go.work":        "go 1.22\n\nuse ./m\n",
		"ws/m/go.mod":       "module example.test/m\n\ngo 1.22\n\nrequire example.test/good v1.0.0\n",
		"ws/m/go.sum":       good,
		"ws/m/pkg/x.txt":    "a package directory\n",
		"other.work":        "go 1.22\n\nuse ./ws/m\n",
		"ws/m/inner/go.mod": "module example.test/inner\n\ngo 1.22\n\nrequire example.test/good v1.0.0\n",
		"ws/m/inner/go.sum": good,
	})
	for _, tt := range []struct{ dir, gowork string }{
		{"sub/deeper", ""},
		{"ws/m/pkg", ""},
		{"ws/m/pkg", "off"},
		{"sub", filepath.Join(root, "other.work")},
		{"ws/m/inner", ""}, // in a module the workspace does not use: still the workspace's modules
	} {
		t.Run(tt.dir+" GOWORK="+tt.gowork, func(t *testing.T) {
			dir := filepath.Join(root, tt.dir)
			out, ok := goRun(t, dir, []string{"GOPROXY=" + proxy.URL(), "GOWORK=" + tt.gowork, "GOFLAGS=-modcacherw"}, "list", "-m")
			if !ok {
				t.Fatalf("judge: go list -m:\n%s", out)
			}
			tr := runTool(t, map[string]string{"GOPROXY": proxy.URL(), "GOFLAGS": "", "GOWORK": tt.gowork}, dir)
			if tr.code != 0 {
				t.Fatalf("exit %d, want 0:\n%s%s", tr.code, tr.stdout, tr.stderr)
			}
			var mods []string
			for _, in := range tr.rep.Inputs {
				mods = append(mods, in.Module)
			}
			if got, want := strings.Join(mods, "\n"), strings.TrimSpace(out); got != want {
				t.Errorf("main modules %q, the go command's %q", got, want)
			}
		})
	}
}

// TestCountsUniqueVersions: the summary counts module versions, each
// once, however many PATHs name or share it.
func TestCountsUniqueVersions(t *testing.T) {
	proxy := goproxytest.New(t, fixtures...)
	gomod := "module example.test/%s\n\ngo 1.21\n\nrequire (\n\texample.test/good v1.0.0\n\texample.test/Upper v1.0.0\n)\n"
	sum := sumLines(proxy, "example.test/good@v1.0.0", "example.test/Upper@v1.0.0")
	root := writeModule(t, map[string]string{
		"a/go.mod": strings.Replace(gomod, "%s", "a", 1), "a/go.sum": sum,
		"b/go.mod": strings.Replace(gomod, "%s", "b", 1), "b/go.sum": sum,
		"a/sub/x.txt": "x\n",
	})
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	for _, args := range [][]string{{a, a}, {a, filepath.Join(a, "sub")}, {a, b}} {
		tr := runTool(t, map[string]string{"GOPROXY": proxy.URL(), "GOFLAGS": ""}, args...)
		if tr.code != 0 || tr.rep.Summary.Modules != 2 || tr.rep.Summary.OK != 2 || !strings.Contains(tr.stdout, "all 2 needed module versions") {
			t.Errorf("%v: exit %d, summary %+v, want 2 versions:\n%s", args, tr.code, tr.rep.Summary, tr.stdout)
		}
	}
}

// TestStaleGoSumGoMod: go.sum keeps /go.mod lines of versions an older
// module graph needed. In a main module at go 1.17 or later whose
// requirements are all at 1.17 or later too, the go command never reads
// those go.mod files (graph pruning): a proxy lacking one, or serving one
// go.sum's line does not match, fails neither the build nor the gate.
// Below a requirement whose go.mod is older than go 1.17 the graph is not
// pruned, and a requirement asking for a higher version of another makes
// the go command raise it and read that go.mod: `go mod download` (and go
// list -m all, go mod verify) then read them, and a missing one fails them
// and the gate, though `go build`, loading lazily, may pass. The go
// command judges each world.
func TestStaleGoSumGoMod(t *testing.T) {
	mod := func(path, version, body string) goproxytest.Module {
		return goproxytest.Module{Path: path, Version: version, Files: map[string]string{
			"go.mod": "module " + path + "\n\n" + body,
			"x.go":   "package x\n",
		}}
	}
	// A go.mod line no proxy serves the bytes of: only a route that
	// reads it can fail on it.
	const wrongHash = "h1:Q20WmVx/S+NDp0pKCii1umMHtnzZ0qXJmVHBb0oLY9M="
	for _, tc := range []struct {
		name    string
		mods    []goproxytest.Module
		require string // the main module's requirements
		stale   string // the go.sum-only line's module@version
		served  bool   // the proxy serves the stale version (with other bytes)
		passes  bool
	}{
		{name: "pruned requirement", mods: []goproxytest.Module{mod("example.test/dep", "v1.0.0", "go 1.21\n")},
			require: "example.test/dep v1.0.0", stale: "example.test/gone@v0.9.0", passes: true},
		{name: "pruned, stale line served with other bytes", mods: []goproxytest.Module{mod("example.test/dep", "v1.0.0", "go 1.21\n"), mod("example.test/gone", "v0.9.0", "go 1.21\n")},
			require: "example.test/dep v1.0.0", stale: "example.test/gone@v0.9.0", served: true, passes: true},
		{name: "requirement before go 1.17", mods: []goproxytest.Module{mod("example.test/dep", "v1.0.0", "go 1.16\n\nrequire example.test/gone v0.9.0\n")},
			require: "example.test/dep v1.0.0", stale: "example.test/gone@v0.9.0", passes: false},
		{name: "requirement raising another", mods: []goproxytest.Module{mod("example.test/dep", "v1.0.0", "go 1.21\n\nrequire example.test/a v1.1.0\n"), mod("example.test/a", "v1.0.0", "go 1.21\n")},
			require: "example.test/dep v1.0.0\n\texample.test/a v1.0.0", stale: "example.test/a@v1.1.0", passes: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proxy := goproxytest.New(t, tc.mods...)
			var roots []string
			for _, l := range strings.Split(tc.require, "\n") {
				roots = append(roots, strings.Replace(strings.TrimSpace(l), " ", "@", 1))
			}
			stalePath, staleVersion, _ := strings.Cut(tc.stale, "@")
			dir := writeModule(t, map[string]string{
				"go.mod":  "module example.test/app\n\ngo 1.21\n\nrequire (\n\t" + tc.require + "\n)\n",
				"go.sum":  sumLines(proxy, roots...) + stalePath + " " + staleVersion + "/go.mod " + wrongHash + "\n",
				"main.go": "package main\n\nimport _ \"example.test/dep\"\n\nfunc main() {}\n",
			})
			vars := []string{"GOPROXY=" + proxy.URL(), "GOFLAGS=-modcacherw"}
			if out, ok := goRun(t, dir, vars, "mod", "download"); ok != tc.passes {
				t.Fatalf("judge: go mod download ok=%v, want %v:\n%s", ok, tc.passes, out)
			}
			tr := runTool(t, map[string]string{"GOPROXY": proxy.URL(), "GOFLAGS": ""}, "--retries", "0", dir)
			stale := tr.module(t, stalePath, staleVersion)
			if !tc.passes {
				if tr.code != 1 || stale.Status == report.StatusOK || stale.Status == report.StatusSkipped {
					t.Errorf("exit %d, %s %s (%s); want exit 1 and the stale version failing", tr.code, tc.stale, stale.Status, stale.Detail)
				}
				return
			}
			if tr.code != 0 {
				t.Errorf("exit %d, %s %s (%s); want exit 0", tr.code, tc.stale, stale.Status, stale.Detail)
			}
			if tc.served {
				if stale.Status != report.StatusOK || tr.rep.Checksums.Mismatched != 0 {
					t.Errorf("%s %s, %d mismatched; want ok, go.sum's line never compared", tc.stale, stale.Status, tr.rep.Checksums.Mismatched)
				}
			} else if stale.Status != report.StatusSkipped || !strings.Contains(stale.Detail, "outside the module graph") {
				t.Errorf("%s %s (%s); want skipped, outside the graph", tc.stale, stale.Status, stale.Detail)
			}
		})
	}
}
