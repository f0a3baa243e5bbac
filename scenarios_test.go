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
	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/internal/sumdbtest"
	"github.com/gopreflight/gopreflight/report"
)

// TestBuildShapes covers the go.mod features that change what is fetched:
// replace (directory and module), exclude, go.work, vendor mode and the
// toolchain line. Where the go command can judge, it does.
func TestBuildShapes(t *testing.T) {
	proxy := goproxytest.New(t, append(fixtures,
		goproxytest.Module{Path: "golang.org/toolchain", Version: "v0.0.1-go1.99.1.linux-amd64", Files: map[string]string{"bin/go": "fake"}},
	)...)
	// No go.sum in these modules: -mod=mod lets the go command add it.
	env := map[string]string{"GOPROXY": proxy.URL(), "GOFLAGS": "-mod=mod"}

	t.Run("replace and exclude", func(t *testing.T) {
		dir := writeModule(t, map[string]string{
			"go.mod": `module example.test/app

go 1.21

require (
	example.test/good v1.0.0
	example.test/moved v1.0.0
	example.test/gone v1.0.0
)

replace example.test/moved => example.test/fork v1.2.0

replace example.test/gone => ./gone

exclude example.test/good v0.9.0
`,
			"gone/go.mod": "module example.test/gone\n",
		})
		tr := runTool(t, env, dir)
		if tr.code != 0 {
			t.Fatalf("exit %d\n%s%s", tr.code, tr.stdout, tr.stderr)
		}
		if m := tr.module(t, "example.test/fork", "v1.2.0"); m.Status != report.StatusOK || !strings.Contains(m.Detail, "example.test/moved@v1.0.0") {
			t.Errorf("module replace: %s %q", m.Status, m.Detail)
		}
		if m := tr.module(t, "example.test/gone", "v1.0.0"); m.Status != report.StatusSkipped || m.Detail != "local replace" {
			t.Errorf("local replace: %s %q", m.Status, m.Detail)
		}
		for _, r := range proxy.Requests() {
			if strings.Contains(r.Path, "example.test/moved") || strings.Contains(r.Path, "example.test/gone") {
				t.Errorf("replaced module requested: %s %s", r.Method, r.Path)
			}
		}
		// The go command agrees: downloading the replacement works.
		if e := judge(t, []string{"GOPROXY=" + proxy.URL()}, "example.test/fork@v1.2.0")["example.test/fork@v1.2.0"]; e != "" {
			t.Errorf("go command: %s", e)
		}
	})

	t.Run("go.work with two modules", func(t *testing.T) {
		// The go command refuses -mod=mod in workspace mode: go.sum files
		// instead.
		dir := writeModule(t, map[string]string{
			"go.work":  "go 1.22\n\nuse (\n\t./a\n\t./b\n)\n",
			"a/go.mod": "module example.test/a\n\ngo 1.22\n\nrequire example.test/good v1.0.0\n",
			"a/go.sum": sumLines(proxy, "example.test/good@v1.0.0"),
			"b/go.mod": "module example.test/b\n\ngo 1.22\n\nrequire (\n\texample.test/good v1.0.0\n\texample.test/Upper v1.0.0\n)\n",
			"b/go.sum": sumLines(proxy, "example.test/good@v1.0.0", "example.test/Upper@v1.0.0"),
		})
		before := proxy.Count("example.test/good/@v/v1.0.0.mod")
		tr := runTool(t, map[string]string{"GOPROXY": proxy.URL(), "GOFLAGS": ""}, "--depth", "mod", dir)
		if tr.code != 0 || len(tr.rep.Inputs) != 2 || len(tr.rep.Modules) != 2 {
			t.Fatalf("exit %d, inputs %d, modules %d\n%s", tr.code, len(tr.rep.Inputs), len(tr.rep.Modules), tr.stdout)
		}
		if n := proxy.Count("example.test/good/@v/v1.0.0.mod") - before; n != 1 {
			t.Errorf("a module needed by both workspace modules was requested %d times, want once", n)
		}
	})

	t.Run("vendor mode", func(t *testing.T) {
		dir := writeModule(t, map[string]string{
			"go.mod":             "module example.test/app\n\ngo 1.21\n\nrequire example.test/good v1.0.0\n",
			"vendor/modules.txt": "# example.test/good v1.0.0\n## explicit\nexample.test/good\n",
			"go.sum":             strings.Join(lines(proxy.GoSum("example.test/good", "v1.0.0")), "\n") + "\n",
		})
		env := map[string]string{"GOPROXY": proxy.URL(), "GOFLAGS": ""}
		before := len(proxy.Requests())
		tr := runTool(t, env, dir)
		if m := tr.module(t, "example.test/good", "v1.0.0"); m.Status != report.StatusSkipped || m.Detail != "vendor mode" {
			t.Errorf("vendored: %s %q", m.Status, m.Detail)
		}
		if n := len(proxy.Requests()) - before; n != 0 {
			t.Errorf("vendor mode sent %d requests", n)
		}
		if !tr.rep.Inputs[0].Vendored || tr.code != 0 {
			t.Errorf("input not marked vendored or exit %d", tr.code)
		}
		tr = runTool(t, env, "--depth", "zip", dir)
		if m := tr.module(t, "example.test/good", "v1.0.0"); m.Status != report.StatusOK {
			t.Errorf("explicit --depth in vendor mode: %s", m.Status)
		}
	})

	t.Run("toolchain line", func(t *testing.T) {
		dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\ntoolchain go1.99.1\n"})
		// Toolchains are always verified against the checksum database.
		db := sumdbtest.New(t, "sum.example.test")
		db.AddModule(proxy.GoSum("golang.org/toolchain", "v0.0.1-go1.99.1.linux-amd64"))
		e := map[string]string{"GOPROXY": proxy.URL(), "GOSUMDB": db.GOSUMDB(), "GOTOOLCHAIN": "auto", "GOOS": "linux", "GOARCH": "amd64"}
		tr := runTool(t, e, dir)
		m := tr.module(t, "golang.org/toolchain", "v0.0.1-go1.99.1.linux-amd64")
		if m.Status != report.StatusOK || m.Line != 5 {
			t.Errorf("toolchain: %s at line %d (%s)", m.Status, m.Line, m.Detail)
		}
		dir = writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\ntoolchain go1.99.2\n"})
		tr = runTool(t, e, dir)
		if m := tr.module(t, "golang.org/toolchain", "v0.0.1-go1.99.2.linux-amd64"); m.Status != report.StatusNotFound || tr.code != 1 {
			t.Errorf("missing toolchain: %s, exit %d", m.Status, tr.code)
		}
	})

	t.Run("zip by HEAD, or a one-byte range where HEAD is refused", func(t *testing.T) {
		p := goproxytest.New(t, fixtures...)
		p.Handle(func(path string) bool { return strings.HasSuffix(path, ".zip") }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodHead {
				http.Error(w, "HEAD not allowed", http.StatusMethodNotAllowed)
				return
			}
			if r.Header.Get("Range") != "bytes=0-0" {
				t.Errorf("zip GET without a one-byte range: %q", r.Header.Get("Range"))
			}
			w.Header().Set("Content-Range", "bytes 0-0/100")
			w.WriteHeader(http.StatusPartialContent)
			w.Write([]byte("P"))
		}))
		dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire example.test/good v1.0.0\n"})
		tr := runTool(t, map[string]string{"GOPROXY": p.URL(), "GOFLAGS": "-mod=mod"}, dir)
		if m := tr.module(t, "example.test/good", "v1.0.0"); m.Status != report.StatusOK {
			t.Errorf("status %s (%s)", m.Status, m.Detail)
		}
		var methods []string
		for _, r := range p.Requests() {
			if strings.HasSuffix(r.Path, ".zip") {
				methods = append(methods, r.Method)
			}
		}
		if strings.Join(methods, ",") != "HEAD,GET" {
			t.Errorf("zip requests %v, want HEAD then GET", methods)
		}
	})

	t.Run("GOPROXY=off uses the module cache", func(t *testing.T) {
		if _, err := exec.LookPath("go"); err != nil {
			t.Skip("the go command is not installed: no judge")
		}
		// The go command fills the cache with good; of Upper only the
		// go.mod is left, which serves the module graph but not a build.
		cache := filepath.Join(t.TempDir(), "modcache")
		goCmd := func(goproxy string, args ...string) error {
			cmd := exec.Command("go", args...)
			cmd.Dir = t.TempDir()
			cmd.Env = goproxytest.GoEnv(t, "GOPROXY="+goproxy, "GOMODCACHE="+cache, "GOFLAGS=-modcacherw")
			out, err := cmd.CombinedOutput()
			if err != nil {
				return fmt.Errorf("%v: %s", err, out)
			}
			return nil
		}
		if err := goCmd(proxy.URL(), "mod", "download", "example.test/good@v1.0.0", "example.test/Upper@v1.0.0"); err != nil {
			t.Fatal(err)
		}
		upper := filepath.Join(cache, "cache", "download", "example.test", "!upper", "@v")
		for _, f := range []string{"v1.0.0.zip", "v1.0.0.ziphash"} {
			if err := os.Remove(filepath.Join(upper, f)); err != nil {
				t.Fatal(err)
			}
		}
		os.Chmod(filepath.Join(cache, "example.test"), 0o755)
		if err := os.RemoveAll(filepath.Join(cache, "example.test", "!upper@v1.0.0")); err != nil {
			t.Fatal(err)
		}
		if err := goCmd("off", "mod", "download", "example.test/good@v1.0.0"); err != nil {
			t.Errorf("judge: good with GOPROXY=off: %v", err)
		}
		if err := goCmd("off", "mod", "download", "example.test/Upper@v1.0.0"); err == nil {
			t.Errorf("judge: Upper with only its go.mod cached downloaded with GOPROXY=off")
		}
		dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire (\n\texample.test/good v1.0.0\n\texample.test/good2 v1.0.0\n\texample.test/Upper v1.0.0\n)\n"})
		tr := runTool(t, map[string]string{"GOPROXY": "off", "GOMODCACHE": cache, "GOFLAGS": "-mod=mod"}, dir)
		if m := tr.module(t, "example.test/good", "v1.0.0"); m.Status != report.StatusOK || m.Via != "cache" {
			t.Errorf("cached module with GOPROXY=off: %s via %s", m.Status, m.Via)
		}
		for _, p := range []string{"example.test/good2", "example.test/Upper"} {
			if m := tr.module(t, p, "v1.0.0"); m.Status != report.StatusUnreachable || m.Cause != cause.NotFound ||
				m.Detail != "GOPROXY=off: not in the module cache" {
				t.Errorf("%s not (wholly) cached with GOPROXY=off: %s/%s %q", p, m.Status, m.Cause, m.Detail)
			}
		}
		if f := findingWith(tr.rep, cause.NotFound, report.SeverityError); f == nil || !strings.Contains(f.Title, "GOPROXY=off: 2 module versions (example.test/good2@v1.0.0 and 1 more) are not in the module cache") {
			t.Errorf("findings: %+v", tr.rep.Findings)
		}
		if f := findingWith(tr.rep, cause.NotFound, report.SeverityNotice); f == nil || !strings.Contains(f.Title, "example.test/good@v1.0.0 served from the module cache; with GOPROXY=off a cold cache could not fetch it") {
			t.Errorf("findings: %+v", tr.rep.Findings)
		}
	})
}

// TestBadInput: unusable input exits 2 with a message naming the file and
// line; an empty go.mod exits 0 and says there is nothing to fetch.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		env   map[string]string
		args  []string
		code  int
		want  string
	}{
		{name: "go.mod syntax", files: map[string]string{"go.mod": "module example.test/app\n\nrequire example.test/a v1.0.0 junk\n"}, code: 2, want: "go.mod:3:"},
		{name: "go.sum syntax", files: map[string]string{"go.mod": "module example.test/app\n", "go.sum": "example.test/a v1.0.0\n"}, code: 2, want: "go.sum:1:"},
		{name: "go.work syntax", files: map[string]string{"go.work": "go 1.22\nuse ./a ./b ./c\n"}, code: 2, want: "go.work:2:"},
		{name: "missing path", args: []string{"does-not-exist"}, code: 2, want: "does-not-exist"},
		{name: "bad GOPROXY entry", files: map[string]string{"go.mod": "module example.test/app\n"}, env: map[string]string{"GOPROXY": "https://ok.example,ftp://user:pw@bad.example"}, code: 2, want: "ftp://***@bad.example"},
		{name: "empty GOPROXY list", files: map[string]string{"go.mod": "module example.test/app\n"}, env: map[string]string{"GOPROXY": ","}, code: 2, want: "no entries"},
		{name: "bad flag", files: map[string]string{"go.mod": "module example.test/app\n"}, args: []string{"--depth", "deep"}, code: 2, want: "--depth"},
		{name: "bad resolver", files: map[string]string{"go.mod": "module example.test/app\n"}, args: []string{"--resolver", "nohostport"}, code: 2, want: "--resolver"},
		{name: "binary garbage", files: map[string]string{"go.mod": "\x00\x01\x02module"}, code: 2, want: "go.mod:1:"},
		{name: "no requirements", files: map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n"}, code: 0, want: "nothing to fetch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeModule(t, tt.files)
			args := tt.args
			if args == nil {
				args = []string{dir}
			} else if len(args) == 2 {
				args = append(args, dir)
			} else {
				args = []string{filepath.Join(dir, args[0])}
			}
			env := map[string]string{"GOPROXY": "off"}
			for k, v := range tt.env {
				env[k] = v
			}
			tr := runTool(t, env, args...)
			if tr.code != tt.code || !strings.Contains(tr.stdout+tr.stderr, tt.want) {
				t.Errorf("exit %d, want %d; output does not contain %q:\n%s%s", tr.code, tt.code, tt.want, tr.stdout, tr.stderr)
			}
			if tr.code == 0 && (tr.rep == nil || tr.rep.Findings == nil || tr.rep.Modules == nil || tr.rep.Endpoints == nil || tr.rep.Ranking == nil) {
				t.Errorf("JSON arrays must be [], never null: %+v", tr.rep)
			}
			if strings.Contains(tr.stderr, "pw@") || strings.Contains(tr.stderr, "panic") {
				t.Errorf("leak or panic: %s", tr.stderr)
			}
		})
	}
}

func lines(s ...string) []string { return s }

// sumLines is go.sum's two lines for each "path@version" p serves.
func sumLines(p *goproxytest.Server, ids ...string) string {
	var b strings.Builder
	for _, id := range ids {
		path, v, _ := strings.Cut(id, "@")
		z, m := p.GoSum(path, v)
		b.WriteString(z + "\n" + m + "\n")
	}
	return b.String()
}

// TestSeveralPaths: each PATH is judged by its own go.sum, whatever the
// order of the arguments, and a version both need is requested once.
func TestSeveralPaths(t *testing.T) {
	proxy := goproxytest.New(t, fixtures...)
	zipLine, modLine := proxy.GoSum("example.test/good", "v1.0.0")
	gomod := "module example.test/%s\n\ngo 1.21\n\nrequire example.test/good v1.0.0\n"
	root := writeModule(t, map[string]string{
		"a/go.mod": strings.Replace(gomod, "%s", "a", 1),
		"a/go.sum": zipLine + "\n" + modLine + "\n",
		"b/go.mod": strings.Replace(gomod, "%s", "b", 1), // no go.sum
	})
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	for _, args := range [][]string{{a, b}, {b, a}} {
		before := proxy.Count("example.test/good/@v/v1.0.0.mod")
		tr := runTool(t, map[string]string{"GOPROXY": proxy.URL(), "GOFLAGS": ""}, args...)
		if n := proxy.Count("example.test/good/@v/v1.0.0.mod") - before; n != 1 {
			t.Errorf("%v: .mod requested %d times, want once", args, n)
		}
		got := map[string]report.Status{}
		for _, m := range tr.rep.Modules {
			got[filepath.Base(filepath.Dir(m.File))] = m.Status
		}
		if got["a"] != report.StatusOK || got["b"] != report.StatusMissingSum || tr.code != 1 {
			t.Errorf("%v: statuses %v, exit %d; want a ok, b missing_sum, exit 1", args, got, tr.code)
		}
	}
}
