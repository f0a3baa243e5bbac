package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/faultserver"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/internal/sumdbtest"
	"github.com/gopreflight/gopreflight/report"
)

// cachedWorld is an application whose module cache the real go command
// filled through a loopback proxy: it requires example.test/dep, whose
// go.mod (go 1.16: an unpruned graph) requires example.test/leaf, so go.sum
// holds leaf's /go.mod line only and the build needs leaf's go.mod alone.
type cachedWorld struct {
	proxy    *goproxytest.Server
	app      string // the application's directory
	modcache string // GOMODCACHE the go command filled
	gosum    string
}

var cacheFixtures = []goproxytest.Module{
	{Path: "example.test/dep", Version: "v1.0.0", Files: map[string]string{
		"go.mod": "module example.test/dep\n\ngo 1.16\n\nrequire example.test/leaf v1.0.0\n",
		"dep.go": "package dep\n\nconst Name = \"dep\"\n",
	}},
	{Path: "example.test/leaf", Version: "v1.0.0", Files: map[string]string{"leaf.go": "package leaf\n"}},
}

func newCachedWorld(t *testing.T) *cachedWorld {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not installed: no judge")
	}
	w := &cachedWorld{proxy: goproxytest.New(t, cacheFixtures...), modcache: filepath.Join(t.TempDir(), "modcache")}
	w.app = writeModule(t, map[string]string{
		"go.mod":  "module example.test/app\n\ngo 1.21\n\nrequire example.test/dep v1.0.0\n",
		"main.go": "package main\n\nimport \"example.test/dep\"\n\nfunc main() { println(dep.Name) }\n",
	})
	// go mod tidy writes go.sum, go mod download fills the cache (.info
	// included), as a CI job's first run does.
	for _, args := range [][]string{{"mod", "tidy"}, {"mod", "download"}} {
		if out, err := w.goCmd(t, w.proxy.URL(), args...); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	data, err := os.ReadFile(filepath.Join(w.app, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	w.gosum = string(data)
	if !strings.Contains(w.gosum, "example.test/leaf v1.0.0/go.mod h1:") || strings.Contains(w.gosum, "example.test/leaf v1.0.0 h1:") {
		t.Fatalf("go.sum should hold leaf's /go.mod line only:\n%s", w.gosum)
	}
	return w
}

// goCmd runs the go command in the application with GOPROXY=goproxy and
// the world's module cache.
func (w *cachedWorld) goCmd(t *testing.T, goproxy string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = w.app
	cmd.Env = goproxytest.GoEnv(t, "GOPROXY="+goproxy, "GOMODCACHE="+w.modcache, "GOFLAGS=-modcacherw", "GONOSUMDB=", "GOSUMDB=off")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// env is gopreflight's environment with GOPROXY=goproxy and the world's
// module cache; the go.sum is complete, so -mod=readonly as in CI.
func (w *cachedWorld) env(goproxy string) map[string]string {
	return map[string]string{"GOPROXY": goproxy, "GOMODCACHE": w.modcache, "GOFLAGS": ""}
}

func (w *cachedWorld) cacheFile(name string) string {
	return filepath.Join(w.modcache, "cache", "download", "example.test", "dep", "@v", name)
}

func findingTitled(rep *report.Report, sub string) *report.Finding {
	for i, f := range rep.Findings {
		if strings.Contains(f.Title, sub) {
			return &rep.Findings[i]
		}
	}
	return nil
}

// TestModuleCacheServes: with every needed version in GOMODCACHE and the
// proxy down, the go command builds without a request; gopreflight passes,
// every version ok via "cache", and names the dead route in a warning.
// --cache ignore is the cold runner, which fails as the go command does
// with an empty cache.
func TestModuleCacheServes(t *testing.T) {
	w := newCachedWorld(t)
	down := "http://" + faultserver.ClosedPort(t)

	for _, args := range [][]string{{"list", "-deps", "."}, {"mod", "download"}} {
		if out, err := w.goCmd(t, down, args...); err != nil {
			t.Fatalf("judge: go %s with the proxy down and a warm cache: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	tr := runTool(t, w.env(down), w.app)
	if tr.code != 0 {
		t.Fatalf("exit %d with a warm cache, want 0 as the go command\n%s%s", tr.code, tr.stdout, tr.stderr)
	}
	for _, id := range []string{"example.test/dep@v1.0.0", "example.test/leaf@v1.0.0"} {
		p, v, _ := strings.Cut(id, "@")
		if m := tr.module(t, p, v); m.Status != report.StatusOK || m.Via != "cache" {
			t.Errorf("%s: %s via %q, want ok via cache (%s)", id, m.Status, m.Via, m.Detail)
		}
	}
	if tr.rep.Summary.Cached != 2 || !strings.Contains(tr.stdout, "2 module versions served from the module cache") {
		t.Errorf("summary.cached = %d, want 2; verdict: %s", tr.rep.Summary.Cached, lastLine(tr.stdout))
	}
	if md := runTool(t, w.env(down), "--format", "markdown", w.app); !strings.Contains(md.stdout, "2 module versions served from the module cache") {
		t.Errorf("the job summary does not say what the cache served:\n%s", md.stdout)
	}
	f := findingTitled(tr.rep, "served from the module cache; a cold cache would fail")
	host := strings.TrimPrefix(down, "http://")
	if f == nil || f.Severity != report.SeverityWarning || f.Cause != cause.TCPRefused || !strings.Contains(f.Title, host) || len(f.Modules) != 2 {
		t.Errorf("want a warning naming %s and tcp_refused for both versions, got %+v", host, tr.rep.Findings)
	}

	// The cold runner: the go command with an empty cache fails, and so
	// does gopreflight with --cache ignore.
	cold := &cachedWorld{app: w.app, modcache: filepath.Join(t.TempDir(), "cold")}
	if out, err := cold.goCmd(t, down, "mod", "download"); err == nil {
		t.Fatalf("judge: go mod download with an empty cache and the proxy down succeeded:\n%s", out)
	}
	tr = runTool(t, w.env(down), "--cache", "ignore", w.app)
	if m := tr.module(t, "example.test/dep", "v1.0.0"); tr.code != 1 || m.Cause != cause.TCPRefused || m.Via == "cache" {
		t.Errorf("--cache ignore: exit %d, %s/%s via %s; want exit 1, tcp_refused", tr.code, m.Status, m.Cause, m.Via)
	}
	if tr.rep.Summary.Cached != 0 {
		t.Errorf("--cache ignore: summary.cached = %d", tr.rep.Summary.Cached)
	}
	if tr = runTool(t, w.env(down), "--cache", "warm", w.app); tr.code != 2 || !strings.Contains(tr.stderr, "--cache") {
		t.Errorf("--cache warm: exit %d (%s), want 2 naming the flag", tr.code, tr.stderr)
	}
}

// TestModuleCacheTampered: a cache whose recorded hashes differ from
// go.sum fails the go command with SECURITY ERROR, and gopreflight with
// checksum_mismatch at the go.sum line, the route being fine. With
// --depth full an extracted directory altered after the fact is found as
// `go mod verify` finds it, and said to be what it is: go build does not
// re-hash the directory and uses it as it is.
func TestModuleCacheTampered(t *testing.T) {
	sumLine := func(gosum, prefix string) int {
		for i, l := range strings.Split(gosum, "\n") {
			if strings.HasPrefix(l, prefix) {
				return i + 1
			}
		}
		return 0
	}
	const otherHash = "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, w *cachedWorld)
		args   []string
		judge  []string // the go command that must fail
		line   string   // the go.sum line reported
		detail string
		title  string // of the finding
		builds bool   // go build succeeds all the same
	}{
		{
			name: "ziphash",
			tamper: func(t *testing.T, w *cachedWorld) {
				writeFile(t, w.cacheFile("v1.0.0.ziphash"), otherHash)
			},
			judge:  []string{"build", "-o", os.DevNull, "."},
			line:   "example.test/dep v1.0.0 h1:",
			detail: "the module cache's zip of example.test/dep@v1.0.0 hashes to " + otherHash,
			title:  "the go command fails with SECURITY ERROR",
		},
		{
			name: "go.mod",
			tamper: func(t *testing.T, w *cachedWorld) {
				writeFile(t, w.cacheFile("v1.0.0.mod"), "module example.test/dep\n\ngo 1.16\n\nrequire example.test/leaf v1.0.1\n")
			},
			judge:  []string{"build", "-o", os.DevNull, "."},
			line:   "example.test/dep v1.0.0/go.mod h1:",
			detail: "the module cache's go.mod of example.test/dep@v1.0.0",
			title:  "the go command fails with SECURITY ERROR",
		},
		{
			name: "extracted directory, --depth full",
			tamper: func(t *testing.T, w *cachedWorld) {
				writeFile(t, filepath.Join(w.modcache, "example.test", "dep@v1.0.0", "dep.go"), "package dep\n\nconst Name = \"evil\"\n")
			},
			args:   []string{"--depth", "full"},
			judge:  []string{"mod", "verify"},
			line:   "example.test/dep v1.0.0 h1:",
			detail: "go mod verify fails for example.test/dep@v1.0.0: the extracted directory ",
			title:  "go mod verify fails; go build uses it as it is",
			builds: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCachedWorld(t)
			tc.tamper(t, w)
			if out, err := w.goCmd(t, w.proxy.URL(), tc.judge...); err == nil {
				t.Fatalf("judge: go %s succeeded on a tampered cache:\n%s", strings.Join(tc.judge, " "), out)
			} else if !strings.Contains(out, "SECURITY ERROR") && !strings.Contains(out, "has been modified") {
				t.Fatalf("judge: go %s failed for another reason:\n%s", strings.Join(tc.judge, " "), out)
			}
			if out, err := w.goCmd(t, w.proxy.URL(), "build", "-o", os.DevNull, "."); (err == nil) != tc.builds {
				t.Fatalf("judge: go build succeeded=%v, want %v:\n%s", err == nil, tc.builds, out)
			}
			tr := runTool(t, w.env(w.proxy.URL()), append(tc.args, w.app)...)
			m := tr.module(t, "example.test/dep", "v1.0.0")
			if tr.code != 1 || m.Status != report.StatusChecksumMismatch || m.Via != "cache" {
				t.Fatalf("exit %d, %s via %s (%s); want 1, checksum_mismatch via cache", tr.code, m.Status, m.Via, m.Detail)
			}
			if want := sumLine(w.gosum, tc.line); !strings.HasSuffix(m.File, "go.sum") || m.Line != want {
				t.Errorf("reported at %s:%d, want go.sum:%d", m.File, m.Line, want)
			}
			if !strings.Contains(m.Detail, tc.detail) {
				t.Errorf("detail %q, want it to contain %q", m.Detail, tc.detail)
			}
			if f := findingTitled(tr.rep, tc.title); f == nil || f.Severity != report.SeverityError {
				t.Errorf("no error finding titled %q for the cache: %+v", tc.title, tr.rep.Findings)
			}
			if tc.builds && (strings.Contains(tr.stdout, "SECURITY ERROR") || !strings.Contains(m.Detail, "go build uses")) {
				t.Errorf("the report says the build fails, or not that it uses the altered copy: %s\n%s", m.Detail, tr.stdout)
			}
		})
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	os.Chmod(filepath.Dir(path), 0o755)
	os.Chmod(path, 0o644)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestOffline: --offline sends no request at all (the proxy and the
// checksum database count zero), passes with a warm cache or a file://
// mirror as the go command with GOPROXY=off (or file://) does, and names
// what is missing with the command that fills it; run, that command makes
// the next offline check pass.
func TestOffline(t *testing.T) {
	w := newCachedWorld(t)
	db := sumdbtest.New(t, "sum.example.test")
	env := func(goproxy, modcache string) map[string]string {
		return map[string]string{"GOPROXY": goproxy, "GOMODCACHE": modcache, "GOFLAGS": "", "GOSUMDB": db.GOSUMDB()}
	}
	requests := func() int { return len(w.proxy.Requests()) + len(db.Requests()) }
	offline := func(t *testing.T, goproxy, modcache string) toolRun {
		t.Helper()
		before := requests()
		tr := runTool(t, env(goproxy, modcache), "--offline", w.app)
		if n := requests() - before; n != 0 {
			t.Errorf("--offline sent %d requests", n)
		}
		return tr
	}
	// The judge: the go command with no network at all.
	judgeOffline := func(t *testing.T, goproxy, modcache string) error {
		cmd := exec.Command("go", "list", "-deps", ".")
		cmd.Dir = w.app
		cmd.Env = goproxytest.GoEnv(t, "GOPROXY="+goproxy, "GOMODCACHE="+modcache, "GOFLAGS=-mod=mod -modcacherw", "GOSUMDB=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	}

	t.Run("warm cache", func(t *testing.T) {
		if err := judgeOffline(t, "off", w.modcache); err != nil {
			t.Fatalf("judge: %v", err)
		}
		tr := offline(t, w.proxy.URL(), w.modcache)
		if tr.code != 0 || tr.rep.Summary.Cached != 2 {
			t.Errorf("exit %d, %d cached; want 0, 2\n%s", tr.code, tr.rep.Summary.Cached, tr.stdout)
		}
		if len(tr.rep.Endpoints) != 0 {
			t.Errorf("endpoints reported offline: %+v", tr.rep.Endpoints)
		}
	})

	t.Run("cold cache: what is missing, and the command that fills it", func(t *testing.T) {
		cold := filepath.Join(t.TempDir(), "cold")
		if err := judgeOffline(t, "off", cold); err == nil {
			t.Fatal("judge: the go command built offline from an empty cache")
		}
		tr := offline(t, w.proxy.URL(), cold)
		f := findingTitled(tr.rep, "not in the module cache: the build cannot work offline")
		if tr.code != 1 || f == nil || f.Severity != report.SeverityError {
			t.Fatalf("exit %d, findings %+v", tr.code, tr.rep.Findings)
		}
		want := "go mod download example.test/dep@v1.0.0 example.test/leaf@v1.0.0"
		if f.Fix != want || !strings.Contains(f.Advice, "file://") {
			t.Errorf("fix %q, want %q; advice %q should name a file:// mirror", f.Fix, want, f.Advice)
		}
		// Where the network works, the fix fills the cache.
		filled := &cachedWorld{app: w.app, modcache: cold}
		if out, err := filled.goCmd(t, w.proxy.URL(), strings.Fields(f.Fix)[1:]...); err != nil {
			t.Fatalf("%s: %v\n%s", f.Fix, err, out)
		}
		if tr := offline(t, w.proxy.URL(), cold); tr.code != 0 {
			t.Errorf("after %s: exit %d\n%s", f.Fix, tr.code, tr.stdout)
		}
		if err := judgeOffline(t, "off", cold); err != nil {
			t.Errorf("judge after %s: %v", f.Fix, err)
		}
	})

	t.Run("file:// mirror built from a module cache", func(t *testing.T) {
		mirror := "file://" + filepath.ToSlash(filepath.Join(w.modcache, "cache", "download"))
		empty := filepath.Join(t.TempDir(), "empty")
		if err := judgeOffline(t, mirror, filepath.Join(t.TempDir(), "judge")); err != nil {
			t.Fatalf("judge: %v", err)
		}
		tr := offline(t, w.proxy.URL()+","+mirror, empty)
		if tr.code != 0 {
			t.Fatalf("exit %d\n%s", tr.code, tr.stdout)
		}
		if m := tr.module(t, "example.test/leaf", "v1.0.0"); m.Via != mirror {
			t.Errorf("leaf via %q, want the file:// mirror", m.Via)
		}
	})

	t.Run("a go.sum line only the checksum database can add", func(t *testing.T) {
		// Without dep's zip line, -mod=mod adds it from the checksum
		// database, unreachable offline, unless GONOSUMDB exempts dep.
		var kept []string
		for _, l := range strings.Split(strings.TrimSpace(w.gosum), "\n") {
			if !strings.HasPrefix(l, "example.test/dep v1.0.0 h1:") {
				kept = append(kept, l)
			}
		}
		app := writeModule(t, map[string]string{
			"go.mod":  "module example.test/app\n\ngo 1.21\n\nrequire example.test/dep v1.0.0\n",
			"main.go": "package main\n\nimport \"example.test/dep\"\n\nfunc main() { println(dep.Name) }\n",
			"go.sum":  strings.Join(kept, "\n") + "\n",
		})
		unreachableDB := db.VerifierKey() + " http://" + faultserver.ClosedPort(t)
		for _, tc := range []struct {
			gonosumdb string
			code      int
		}{{"", 1}, {"example.test/dep", 0}} {
			cmd := exec.Command("go", "list", "-deps", ".")
			cmd.Dir = app
			cmd.Env = goproxytest.GoEnv(t, "GOPROXY=off", "GOMODCACHE="+w.modcache, "GOFLAGS=-mod=mod -modcacherw", "GOSUMDB="+unreachableDB, "GONOSUMDB="+tc.gonosumdb)
			out, err := cmd.CombinedOutput()
			if (err == nil) != (tc.code == 0) {
				t.Fatalf("judge with GONOSUMDB=%q: %v\n%s", tc.gonosumdb, err, out)
			}
			before := requests()
			e := env(w.proxy.URL(), w.modcache)
			e["GOFLAGS"], e["GONOSUMDB"] = "-mod=mod", tc.gonosumdb
			tr := runTool(t, e, "--offline", app)
			if tr.code != tc.code || requests() != before {
				t.Errorf("GONOSUMDB=%q: exit %d (want %d), %d requests\n%s", tc.gonosumdb, tr.code, tc.code, requests()-before, tr.stdout)
			}
			if m := tr.module(t, "example.test/dep", "v1.0.0"); tc.code == 1 && (m.Status != report.StatusMissingSum || !strings.Contains(m.Detail, "--offline")) {
				t.Errorf("dep: %s %q, want missing_sum naming --offline", m.Status, m.Detail)
			}
		}
	})

	t.Run("vendor mode needs nothing", func(t *testing.T) {
		dir := writeModule(t, map[string]string{
			"go.mod":             "module example.test/v\n\ngo 1.21\n\nrequire example.test/dep v1.0.0\n",
			"go.sum":             w.gosum,
			"vendor/modules.txt": "# example.test/dep v1.0.0\n## explicit\nexample.test/dep\n",
		})
		before := requests()
		tr := runTool(t, env(w.proxy.URL(), filepath.Join(t.TempDir(), "none")), "--offline", "--depth", "zip", dir)
		if tr.code != 0 || requests() != before {
			t.Errorf("exit %d, %d requests\n%s", tr.code, requests()-before, tr.stdout)
		}
	})
}

// TestGoModOnlyVersions: a version needed only for its go.mod is asked for
// its .mod alone, as the go command asks: a file:// mirror built from a
// module cache, and a proxy, that hold no .info for it serve the build.
func TestGoModOnlyVersions(t *testing.T) {
	w := newCachedWorld(t)
	if _, err := os.Stat(filepath.Join(w.modcache, "cache", "download", "example.test", "leaf", "@v", "v1.0.0.info")); err == nil {
		t.Fatal("precondition: the go command cached leaf's .info; this test needs a cache without it")
	}
	mirror := "file://" + filepath.ToSlash(filepath.Join(w.modcache, "cache", "download"))
	// A proxy that has no .info for leaf either (a caching proxy built
	// on such a cache).
	noInfo := goproxytest.New(t, cacheFixtures...)
	noInfo.Handle(func(p string) bool {
		return strings.HasPrefix(p, "/example.test/leaf/@v/") && strings.HasSuffix(p, ".info")
	}, http.NotFoundHandler())
	for _, goproxy := range []string{mirror, noInfo.URL()} {
		t.Run(goproxy[:4], func(t *testing.T) {
			// go mod graph loads the whole module graph, leaf's go.mod
			// included (a build loads it lazily, when it needs it).
			judgeWorld := &cachedWorld{app: w.app, modcache: filepath.Join(t.TempDir(), "judge")}
			if out, err := judgeWorld.goCmd(t, goproxy, "mod", "graph"); err != nil || !strings.Contains(out, "example.test/leaf@v1.0.0") {
				t.Fatalf("judge: %v\n%s", err, out)
			}
			if _, err := os.Stat(filepath.Join(judgeWorld.modcache, "cache", "download", "example.test", "leaf", "@v", "v1.0.0.mod")); err != nil {
				t.Fatalf("judge: the go command did not fetch leaf's go.mod: %v", err)
			}
			tr := runTool(t, map[string]string{"GOPROXY": goproxy, "GOMODCACHE": filepath.Join(t.TempDir(), "empty"), "GOFLAGS": ""}, w.app)
			m := tr.module(t, "example.test/leaf", "v1.0.0")
			if tr.code != 0 || m.Status != report.StatusOK || m.Need != "mod" {
				t.Errorf("exit %d, leaf %s (need %s): %s", tr.code, m.Status, m.Need, m.Detail)
			}
			for _, a := range m.Attempts {
				if strings.HasSuffix(a.URL, ".info") {
					t.Errorf("asked for %s, which the go command never asks for", a.URL)
				}
			}
		})
	}
	if n := noInfo.Count("leaf/@v/v1.0.0.info"); n != 0 {
		t.Errorf("%d .info requests for leaf", n)
	}
}

// TestModuleCacheMirrorTampered: the cache holds the right bytes and the
// proxy now serves other ones. The go command builds from the cache and
// fails with a cold one; gopreflight passes and warns that a cold cache
// would fail at that mirror, the only one of the two sides to blame.
func TestModuleCacheMirrorTampered(t *testing.T) {
	w := newCachedWorld(t)
	w.proxy.Tamper("example.test/dep", "v1.0.0", "module example.test/dep\n\ngo 1.16\n\nrequire example.test/leaf v1.0.1\n")
	if out, err := w.goCmd(t, w.proxy.URL(), "list", "-deps", "."); err != nil {
		t.Fatalf("judge: warm cache: %v\n%s", err, out)
	}
	cold := &cachedWorld{app: w.app, modcache: filepath.Join(t.TempDir(), "cold")}
	if out, err := cold.goCmd(t, w.proxy.URL(), "list", "-deps", "."); err == nil || !strings.Contains(out, "SECURITY ERROR") {
		t.Fatalf("judge: cold cache: %v\n%s", err, out)
	}
	tr := runTool(t, w.env(w.proxy.URL()), w.app)
	if m := tr.module(t, "example.test/dep", "v1.0.0"); tr.code != 0 || m.Status != report.StatusOK || m.Via != "cache" {
		t.Fatalf("exit %d, dep %s via %s", tr.code, m.Status, m.Via)
	}
	f := findingTitled(tr.rep, "a cold cache would fail: "+w.proxy.URL()+" serves bytes that do not match")
	if f == nil || f.Severity != report.SeverityWarning || f.Cause != cause.ChecksumMismatch {
		t.Errorf("findings: %+v", tr.rep.Findings)
	}
	if tr = runTool(t, w.env(w.proxy.URL()), "--cache", "ignore", w.app); tr.code != 1 {
		t.Errorf("--cache ignore: exit %d, want 1 as the cold go command", tr.code)
	}
}
