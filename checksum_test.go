package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/internal/faultserver"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/internal/sumdbtest"
	"github.com/gopreflight/gopreflight/probe"
	"github.com/gopreflight/gopreflight/report"
)

const sumdbName = "sum.example.test"

var sumMods = []goproxytest.Module{
	{Path: "example.test/a", Version: "v1.0.0", Files: map[string]string{"a.go": "package a\n"}},
	{Path: "example.test/b", Version: "v1.1.0", Files: map[string]string{"b.go": "package b\n"}},
}

// sumWorld is a proxy, a checksum database that knows every module the
// proxy serves, and a main module importing them with a complete go.sum.
type sumWorld struct {
	proxy *goproxytest.Server
	db    *sumdbtest.DB
	dir   string
	gosum []string // go.sum lines, in file order
}

func newSumWorld(t *testing.T, extra ...goproxytest.Module) *sumWorld {
	t.Helper()
	mods := append(append([]goproxytest.Module(nil), sumMods...), extra...)
	w := &sumWorld{proxy: goproxytest.New(t, mods...), db: sumdbtest.New(t, sumdbName)}
	var req, imports strings.Builder
	for _, m := range mods {
		zipLine, modLine := w.proxy.GoSum(m.Path, m.Version)
		if !strings.HasPrefix(m.Path, "private.test/") {
			w.db.AddModule(zipLine, modLine)
		}
		w.gosum = append(w.gosum, zipLine, modLine)
		req.WriteString("\t" + m.Path + " " + m.Version + "\n")
		imports.WriteString("\t_ \"" + m.Path + "\"\n")
	}
	w.dir = writeModule(t, map[string]string{
		"go.mod":  "module example.test/app\n\ngo 1.21\n\nrequire (\n" + req.String() + ")\n",
		"main.go": "package main\n\nimport (\n" + imports.String() + ")\n\nfunc main() {}\n",
	})
	w.writeSum(t, w.gosum)
	return w
}

func (w *sumWorld) writeSum(t *testing.T, lines []string) {
	t.Helper()
	data := strings.Join(lines, "\n")
	if data != "" {
		data += "\n"
	}
	if err := os.WriteFile(filepath.Join(w.dir, "go.sum"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// env is the tool's environment: GOSUMDB names the database directly.
func (w *sumWorld) env(extra ...string) map[string]string {
	e := map[string]string{"GOPROXY": w.proxy.URL(), "GOSUMDB": w.db.GOSUMDB(), "GOFLAGS": "-mod=readonly"}
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, "=")
		e[k] = v
	}
	return e
}

// goBuild is the judge: the real go command loads every package of the
// main module (what `go build` needs: downloads, go.sum checks, database
// lookups for lines go.sum lacks) with the same GOPROXY and GOSUMDB and a
// fresh GOPATH, so it has no cached tree head. It returns the output and
// whether it worked.
func (w *sumWorld) goBuild(t *testing.T, env map[string]string) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not installed: no judge")
	}
	var vars []string
	for _, k := range []string{"GOPROXY", "GOSUMDB", "GOFLAGS", "GONOSUMDB", "GOPRIVATE"} {
		if v, ok := env[k]; ok {
			vars = append(vars, k+"="+v)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "./...")
	cmd.Dir = w.dir
	cmd.Env = goproxytest.GoEnv(t, vars...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err == nil
}

func sumLine(lines []string, prefix string) int {
	for i, l := range lines {
		if strings.HasPrefix(l, prefix+" ") {
			return i + 1
		}
	}
	return 0
}

func findingWith(rep *report.Report, c cause.Code, sev report.Severity) *report.Finding {
	for i, f := range rep.Findings {
		if f.Cause == c && f.Severity == sev {
			return &rep.Findings[i]
		}
	}
	return nil
}

func sumdbEndpoint(t *testing.T, rep *report.Report) report.Endpoint {
	t.Helper()
	for _, e := range rep.Endpoints {
		if e.Role == probe.RoleSumDB {
			return e
		}
	}
	t.Fatalf("no endpoint with role sumdb: %+v", rep.Endpoints)
	return report.Endpoint{}
}

func TestChecksumsAllGood(t *testing.T) {
	t.Parallel()
	w := newSumWorld(t)
	env := w.env()
	tr := runTool(t, env, w.dir)
	if tr.code != 0 {
		t.Fatalf("exit %d\n%s%s", tr.code, tr.stdout, tr.stderr)
	}
	c := tr.rep.Checksums
	if c.Status != report.SumDBVerified || c.Verified != len(sumMods) || c.Database != sumdbName || c.MirrorHashed != len(sumMods) {
		t.Errorf("checksums = %+v, want %d verified by %s", c, len(sumMods), sumdbName)
	}
	for _, m := range sumMods {
		if got := tr.module(t, m.Path, m.Version); got.Status != report.StatusOK {
			t.Errorf("%s: %s (%s)", m.Path, got.Status, got.Detail)
		}
	}
	if ep := sumdbEndpoint(t, tr.rep); ep.URL != w.db.URL() || !ep.Reachable || ep.Cause != cause.OK {
		t.Errorf("sumdb endpoint %+v", ep)
	}
	if w.db.Count("/lookup/") == 0 {
		t.Error("the database was never asked")
	}
	if !strings.Contains(tr.stdout, "Checksums: GOSUMDB "+sumdbName) {
		t.Errorf("text report has no checksum section:\n%s", tr.stdout)
	}
	if out, ok := w.goBuild(t, env); !ok {
		t.Errorf("the go command fails where gopreflight passes:\n%s", out)
	}
}

// TestTamperedGoSum: a go.sum line that differs from the database is a
// checksum_mismatch at that go.sum line, whichever line it is.
func TestTamperedGoSum(t *testing.T) {
	t.Parallel()
	other := goproxytest.Module{Path: "example.test/a", Version: "v1.0.0", Files: map[string]string{"a.go": "package a // other bytes\n"}}
	otherProxy := goproxytest.New(t, other)
	otherZip, otherMod := otherProxy.GoSum(other.Path, other.Version)
	for _, tc := range []struct {
		name, line, replacement string
	}{
		{"zip line", "example.test/a v1.0.0", otherZip},
		{"go.mod line", "example.test/a v1.0.0/go.mod", otherMod + "AA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newSumWorld(t)
			lines := append([]string(nil), w.gosum...)
			n := sumLine(lines, tc.line)
			fields := strings.Fields(tc.replacement)
			lines[n-1] = tc.line + " " + fields[len(fields)-1]
			w.writeSum(t, lines)
			env := w.env()
			tr := runTool(t, env, w.dir)
			if tr.code != 1 {
				t.Errorf("exit %d, want 1", tr.code)
			}
			m := tr.module(t, "example.test/a", "v1.0.0")
			if m.Status != report.StatusChecksumMismatch || m.Cause != cause.ChecksumMismatch {
				t.Fatalf("status %s/%s (%s), want checksum_mismatch", m.Status, m.Cause, m.Detail)
			}
			if filepath.Base(m.File) != "go.sum" || m.Line != n {
				t.Errorf("reported at %s:%d, want go.sum:%d", m.File, m.Line, n)
			}
			f := findingWith(tr.rep, cause.ChecksumMismatch, report.SeverityError)
			if f == nil || !strings.Contains(f.Advice, "which side changed") || !strings.Contains(f.Title, "go.sum disagrees") {
				t.Errorf("finding %+v", f)
			}
			if b := tr.module(t, "example.test/b", "v1.1.0"); b.Status != report.StatusOK {
				t.Errorf("untouched module b: %s", b.Status)
			}
			if out, ok := w.goBuild(t, env); ok || !strings.Contains(out, "checksum mismatch") {
				t.Errorf("the go command should fail with a checksum mismatch:\n%s", out)
			}
		})
	}
}

// TestMirrorServesOtherBytes: a mirror serving another .mod (any depth) or
// another zip (--depth full) is a checksum_mismatch naming the mirror,
// with or without the database.
func TestMirrorServesOtherBytes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		gosumdb bool
		depth   string
		tamper  func(*goproxytest.Server)
	}{
		{"mod, with the database", true, "zip", func(s *goproxytest.Server) {
			s.Tamper("example.test/a", "v1.0.0", "module example.test/a\n\nrequire example.test/evil v1.0.0\n")
		}},
		{"mod, GOSUMDB=off", false, "mod", func(s *goproxytest.Server) {
			s.Tamper("example.test/a", "v1.0.0", "module example.test/a\n\nrequire example.test/evil v1.0.0\n")
		}},
		{"zip at --depth full", true, "full", func(s *goproxytest.Server) {
			s.TamperZip("example.test/a", "v1.0.0", map[string]string{"a.go": "package a\n\nfunc init() { panic(1) }\n"})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newSumWorld(t)
			tc.tamper(w.proxy)
			env := w.env()
			if !tc.gosumdb {
				env["GOSUMDB"] = "off"
			}
			tr := runTool(t, env, "--depth", tc.depth, w.dir)
			if tr.code != 1 {
				t.Errorf("exit %d, want 1", tr.code)
			}
			m := tr.module(t, "example.test/a", "v1.0.0")
			if m.Status != report.StatusChecksumMismatch || !strings.Contains(m.Detail, w.proxy.URL()) {
				t.Fatalf("status %s (%s), want checksum_mismatch naming the mirror", m.Status, m.Detail)
			}
			f := findingWith(tr.rep, cause.ChecksumMismatch, report.SeverityError)
			if f == nil || len(f.Endpoints) != 1 || f.Endpoints[0] != w.proxy.URL() || !strings.Contains(f.Title, "mirror") {
				t.Errorf("finding %+v, want one naming the mirror", f)
			}
			wantStatus := map[bool]report.SumDBState{true: report.SumDBVerified, false: report.SumDBOff}[tc.gosumdb]
			if tr.rep.Checksums.Status != wantStatus {
				t.Errorf("checksums status %s, want %s", tr.rep.Checksums.Status, wantStatus)
			}
			if out, ok := w.goBuild(t, env); ok || !strings.Contains(out, "checksum mismatch") {
				t.Errorf("the go command should fail with a checksum mismatch:\n%s", out)
			}
		})
	}
}

// TestMissingSum: a required module absent from go.sum fails the build
// with "missing go.sum entry" unless -mod=mod lets the go command add it.
func TestMissingSum(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		goflags string
		want    report.Status
		code    int
	}{
		{"readonly", "-mod=readonly", report.StatusMissingSum, 1},
		{"-mod=mod adds it from the database", "-mod=mod", report.StatusOK, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newSumWorld(t)
			var lines []string
			for _, l := range w.gosum {
				if !strings.HasPrefix(l, "example.test/b ") {
					lines = append(lines, l)
				}
			}
			w.writeSum(t, lines)
			env := w.env("GOFLAGS=" + tc.goflags)
			tr := runTool(t, env, w.dir)
			if tr.code != tc.code {
				t.Errorf("exit %d, want %d\n%s", tr.code, tc.code, tr.stdout)
			}
			m := tr.module(t, "example.test/b", "v1.1.0")
			if m.Status != tc.want {
				t.Fatalf("status %s (%s), want %s", m.Status, m.Detail, tc.want)
			}
			out, ok := w.goBuild(t, env)
			if ok != (tc.want == report.StatusOK) {
				t.Errorf("the go command disagrees (ok=%v):\n%s", ok, out)
			}
			if tc.want != report.StatusMissingSum {
				return
			}
			if filepath.Base(m.File) != "go.mod" || m.Line != 7 {
				t.Errorf("reported at %s:%d, want the require line go.mod:7", m.File, m.Line)
			}
			if !strings.Contains(out, "missing go.sum entry") {
				t.Errorf("the go command's error is not a missing go.sum entry:\n%s", out)
			}
			var f *report.Finding
			for i := range tr.rep.Findings {
				if strings.Contains(tr.rep.Findings[i].Title, "missing from go.sum") {
					f = &tr.rep.Findings[i]
				}
			}
			if f == nil || f.Severity != report.SeverityError || f.Fix != "go mod download example.test/b@v1.1.0" {
				t.Errorf("finding %+v", f)
			}
		})
	}
}

// TestGONOSUMDB: an exempt module is never looked up; without the
// exemption the database's 404 is a notice, not a mismatch, since go.sum
// has the lines.
func TestGONOSUMDB(t *testing.T) {
	t.Parallel()
	priv := goproxytest.Module{Path: "private.test/p", Version: "v1.0.0", Files: map[string]string{"p.go": "package p\n"}}
	for _, tc := range []struct {
		name      string
		gonosumdb string
	}{
		{"exempt", "private.test"},
		{"not exempt", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newSumWorld(t, priv)
			env := w.env("GONOSUMDB=" + tc.gonosumdb)
			tr := runTool(t, env, w.dir)
			if tr.code != 0 {
				t.Errorf("exit %d, want 0\n%s", tr.code, tr.stdout)
			}
			if m := tr.module(t, priv.Path, priv.Version); m.Status != report.StatusOK {
				t.Errorf("status %s (%s)", m.Status, m.Detail)
			}
			c := tr.rep.Checksums
			asked := w.db.Count("/lookup/private.test/")
			if tc.gonosumdb != "" {
				if asked != 0 || c.Exempt != 1 || c.Unknown != 0 {
					t.Errorf("exempt module looked up %d times; checksums %+v", asked, c)
				}
			} else {
				f := findingWith(tr.rep, cause.NotFound, report.SeverityNotice)
				if asked == 0 || c.Unknown != 1 || f == nil {
					t.Fatalf("unknown module: asked %d times; checksums %+v; findings %+v", asked, c, tr.rep.Findings)
				}
				if id := priv.Path + "@" + priv.Version; !strings.Contains(f.Title, id) {
					t.Errorf("the notice does not name %s: %s", id, f.Title)
				}
			}
			if out, ok := w.goBuild(t, env); !ok {
				t.Errorf("the go command fails:\n%s", out)
			}
		})
	}
}

// TestSumDBUnreachable: a database that cannot be reached is a warning
// naming its endpoint's cause while module statuses still come from the
// proxy; it is an error only when go.sum lacks lines.
func TestSumDBUnreachable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		complete bool
		code     int
		sev      report.Severity
	}{
		{"complete go.sum", true, 0, report.SeverityWarning},
		{"with a missing line", false, 1, report.SeverityError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newSumWorld(t)
			if !tc.complete {
				w.writeSum(t, w.gosum[:len(w.gosum)-2])
			}
			closed := "http://" + faultserver.ClosedPort(t)
			env := w.env("GOSUMDB=" + w.db.VerifierKey() + " " + closed)
			tr := runTool(t, env, "--retries", "0", w.dir)
			if tr.code != tc.code {
				t.Errorf("exit %d, want %d\n%s", tr.code, tc.code, tr.stdout)
			}
			ep := sumdbEndpoint(t, tr.rep)
			if ep.URL != closed || ep.Reachable || ep.Cause != cause.TCPRefused {
				t.Errorf("sumdb endpoint %+v, want %s unreachable with tcp_refused", ep, closed)
			}
			if m := tr.module(t, "example.test/a", "v1.0.0"); m.Status != report.StatusOK {
				t.Errorf("module a: %s (%s), want ok from the proxy", m.Status, m.Detail)
			}
			c := tr.rep.Checksums
			if c.Status != report.SumDBUnavailable || c.Cause != cause.TCPRefused {
				t.Errorf("checksums %+v", c)
			}
			if f := findingWith(tr.rep, cause.TCPRefused, tc.sev); f == nil || len(f.Endpoints) != 1 || f.Endpoints[0] != closed {
				t.Errorf("no %s finding naming the database: %+v", tc.sev, tr.rep.Findings)
			}
			if out, ok := w.goBuild(t, env); ok != tc.complete {
				t.Errorf("the go command: ok=%v, want %v:\n%s", ok, tc.complete, out)
			}
		})
	}
}

// TestSumDBWrongKey: tree heads signed by another key are a security
// error, never ok.
func TestSumDBWrongKey(t *testing.T) {
	t.Parallel()
	w := newSumWorld(t)
	w.db.SignWithWrongKey(true)
	env := w.env()
	tr := runTool(t, env, w.dir)
	if tr.code != 1 {
		t.Errorf("exit %d, want 1", tr.code)
	}
	for _, m := range sumMods {
		if got := tr.module(t, m.Path, m.Version); got.Status != report.StatusChecksumMismatch {
			t.Errorf("%s: %s, want checksum_mismatch", m.Path, got.Status)
		}
	}
	if c := tr.rep.Checksums; c.Status != report.SumDBSecurity || c.Verified != 0 {
		t.Errorf("checksums %+v", c)
	}
	f := findingWith(tr.rep, cause.ChecksumMismatch, report.SeverityError)
	if f == nil || !strings.Contains(f.Title, "security error") || len(f.Modules) != len(sumMods) {
		t.Errorf("finding %+v", f)
	}
	// The go command asks the database only for lines go.sum lacks.
	w.writeSum(t, nil)
	if out, ok := w.goBuild(t, w.env("GOFLAGS=-mod=mod")); ok {
		t.Errorf("the go command accepted a tree head signed by another key:\n%s", out)
	}
}

// TestSumDBThroughProxy: with no URL in GOSUMDB the database is reached
// through the proxy's /sumdb/<name>/ path, and its own host is never
// contacted nor listed.
func TestSumDBThroughProxy(t *testing.T) {
	t.Parallel()
	w := newSumWorld(t)
	w.proxy.ProxySumDB(w.db)
	env := w.env("GOSUMDB=" + w.db.VerifierKey())
	tr := runTool(t, env, w.dir)
	if tr.code != 0 {
		t.Fatalf("exit %d\n%s", tr.code, tr.stdout)
	}
	c := tr.rep.Checksums
	if c.Status != report.SumDBVerified || c.Via != w.proxy.URL() || c.URL != w.proxy.URL()+"/sumdb/"+sumdbName || c.Verified != len(sumMods) {
		t.Errorf("checksums %+v", c)
	}
	if w.proxy.Count("/sumdb/"+sumdbName+"/supported") != 1 || w.proxy.Count("/sumdb/"+sumdbName+"/lookup/") == 0 {
		t.Errorf("proxy requests: %+v", w.proxy.Requests())
	}
	for _, e := range tr.rep.Endpoints {
		if strings.Contains(e.URL, sumdbName) {
			t.Errorf("the database's own host is listed: %+v", e)
		}
	}
	w.writeSum(t, nil)
	if out, ok := w.goBuild(t, w.env("GOSUMDB="+w.db.VerifierKey(), "GOFLAGS=-mod=mod")); !ok {
		t.Errorf("the go command fails through the proxy's database:\n%s", out)
	}
}

// TestDefaultSumDBThroughProxy: the default database, named without a
// URL, is reached through a proxy that proxies it; a database there that
// signs with another key than the built-in one is a security error.
func TestDefaultSumDBThroughProxy(t *testing.T) {
	t.Parallel()
	w := newSumWorld(t)
	impostor := sumdbtest.New(t, goenv.DefaultGOSUMDB)
	for _, m := range sumMods {
		impostor.AddModule(w.proxy.GoSum(m.Path, m.Version))
	}
	w.proxy.ProxySumDB(impostor)
	tr := runTool(t, w.env("GOSUMDB="+goenv.DefaultGOSUMDB), w.dir)
	c := tr.rep.Checksums
	if c.Via != w.proxy.URL() || c.Status != report.SumDBSecurity || tr.code != 1 {
		t.Errorf("exit %d, checksums %+v", tr.code, c)
	}
	if impostor.Count("/lookup/") == 0 {
		t.Error("the proxied database was never asked")
	}
	for _, e := range tr.rep.Endpoints {
		if e.Role == probe.RoleSumDB {
			t.Errorf("a direct database endpoint is listed: %+v", e)
		}
	}
}

// TestToolchainAlwaysVerified: the go command verifies a toolchain
// download against the database even where GONOSUMDB matches it, and
// cannot download one at all with GOSUMDB=off.
func TestToolchainAlwaysVerified(t *testing.T) {
	t.Parallel()
	tc := goproxytest.Module{
		Path:    "golang.org/toolchain",
		Version: "v0.0.1-go1.99.0." + runtime.GOOS + "-" + runtime.GOARCH,
		Files:   map[string]string{"bin/go": "#!/bin/sh\n"},
	}
	for _, c := range []struct {
		name    string
		gosumdb func(*sumWorld) string
		checks  string
		status  report.Status
		cause   cause.Code
		code    int
	}{
		{"verified despite GONOSUMDB", func(w *sumWorld) string { return w.db.GOSUMDB() }, "true", report.StatusOK, cause.OK, 0},
		{"GOSUMDB=off", func(*sumWorld) string { return "off" }, "true", report.StatusMissingSum, cause.MissingSum, 1},
		{"GOSUMDB=off, --checksums by default", func(*sumWorld) string { return "off" }, "", report.StatusMissingSum, cause.MissingSum, 1},
		{"--checksums=false: not judged", func(w *sumWorld) string {
			return w.db.VerifierKey() + " http://" + faultserver.ClosedPort(t)
		}, "false", report.StatusOK, cause.OK, 0},
		{"database unreachable", func(w *sumWorld) string {
			return w.db.VerifierKey() + " http://" + faultserver.ClosedPort(t)
		}, "true", report.StatusMissingSum, cause.TCPRefused, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newSumWorld(t)
			w.proxy.Add(tc)
			w.db.AddModule(w.proxy.GoSum(tc.Path, tc.Version))
			gomod, err := os.ReadFile(filepath.Join(w.dir, "go.mod"))
			if err != nil {
				t.Fatal(err)
			}
			gomod = bytes.Replace(gomod, []byte("go 1.21\n"), []byte("go 1.21\n\ntoolchain go1.99.0\n"), 1)
			if err := os.WriteFile(filepath.Join(w.dir, "go.mod"), gomod, 0o644); err != nil {
				t.Fatal(err)
			}
			env := w.env("GOSUMDB="+c.gosumdb(w), "GONOSUMDB=golang.org", "GOTOOLCHAIN=auto")
			args := []string{"--retries", "0", w.dir}
			if c.checks != "" {
				args = append([]string{"--checksums=" + c.checks}, args...)
			}
			tr := runTool(t, env, args...)
			m := tr.module(t, tc.Path, tc.Version)
			if m.Status != c.status || m.Cause != c.cause || tr.code != c.code {
				t.Errorf("toolchain %s/%s (%s), exit %d; want %s/%s, exit %d", m.Status, m.Cause, m.Detail, tr.code, c.status, c.cause, c.code)
			}
			if c.checks == "true" && c.status == report.StatusOK && w.db.Count("/lookup/golang.org/toolchain@") == 0 {
				t.Error("the toolchain was not looked up")
			}
			if c.status == report.StatusOK && tr.rep.Checksums.Exempt != 0 {
				t.Errorf("the toolchain counted exempt: %+v", tr.rep.Checksums)
			}
		})
	}
}

// TestSumDBStalled: a database that never answers does not hold the run
// past --timeout; modules keep their statuses from the proxy.
func TestSumDBStalled(t *testing.T) {
	t.Parallel()
	w := newSumWorld(t)
	w.db.Handle(func(string) bool { return true }, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	start := time.Now()
	tr := runTool(t, w.env(), "--timeout", "2s", "--request-timeout", "10s", w.dir)
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("run took %v with --timeout 2s", el)
	}
	if m := tr.module(t, "example.test/a", "v1.0.0"); m.Status != report.StatusOK {
		t.Errorf("module a: %s (%s)", m.Status, m.Detail)
	}
	if c := tr.rep.Checksums; c.Status != report.SumDBUnavailable || c.Cause != cause.Timeout {
		t.Errorf("checksums %+v, want unavailable by timeout", c)
	}
	if tr.code != 0 {
		t.Errorf("exit %d, want 0: a complete go.sum does not need the database", tr.code)
	}
}

// TestWorkspaceMissingSum: in workspace mode the go command never requires
// go.sum lines up front (cmd/go's mustHaveSums is false there, with or
// without -mod=readonly): it adds a missing line to go.work.sum, asking
// the checksum database first unless GOSUMDB=off. So a line go.sum lacks is
// missing_sum only when the database cannot be used, as with -mod=mod.
func TestWorkspaceMissingSum(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		env    func(w *sumWorld) []string
		status report.Status
		code   int
	}{
		{"checksum database", func(w *sumWorld) []string { return nil }, report.StatusOK, 0},
		{"no -mod flag", func(w *sumWorld) []string { return []string{"GOFLAGS="} }, report.StatusOK, 0},
		{"GOSUMDB=off", func(w *sumWorld) []string { return []string{"GOSUMDB=off"} }, report.StatusOK, 0},
		{"database unreachable", func(w *sumWorld) []string {
			return []string{"GOSUMDB=" + w.db.VerifierKey() + " http://" + faultserver.ClosedPort(t)}
		}, report.StatusMissingSum, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newSumWorld(t)
			// m1 requires b@v1.0.0, which m2's replace turns into b@v1.1.0
			// for the whole workspace; no go.sum has a line for either.
			w.dir = writeModule(t, map[string]string{
				"go.work":   "go 1.22\n\nuse (\n\t./m1\n\t./m2\n)\n",
				"m1/go.mod": "module example.test/m1\n\ngo 1.22\n\nrequire example.test/b v1.0.0\n",
				"m1/m1.go":  "package m1\n\nimport _ \"example.test/b\"\n",
				"m2/go.mod": "module example.test/m2\n\ngo 1.22\n\nreplace example.test/b v1.0.0 => example.test/b v1.1.0\n",
			})
			env := w.env(append([]string{"GOWORK="}, tc.env(w)...)...)
			tr := runTool(t, env, "--retries", "0", w.dir)
			if tr.code != tc.code {
				t.Errorf("exit %d, want %d\n%s", tr.code, tc.code, tr.stdout)
			}
			m := tr.module(t, "example.test/b", "v1.1.0")
			if m.Status != tc.status {
				t.Errorf("b@v1.1.0: %s (%s), want %s", m.Status, m.Detail, tc.status)
			}
			if m.Status == report.StatusMissingSum && !strings.Contains(m.Detail, "go.work.sum") {
				t.Errorf("detail %q does not say that workspace mode adds the line to go.work.sum", m.Detail)
			}
			ok, out := goWorkBuild(t, w.dir, env)
			if ok != (tc.status == report.StatusOK) {
				t.Errorf("the go command disagrees (ok=%v):\n%s", ok, out)
			}
			_, err := os.Stat(filepath.Join(w.dir, "go.work.sum"))
			if ok && err != nil {
				t.Errorf("the go command succeeded without writing go.work.sum: %v", err)
			}
		})
	}
}

// goWorkBuild is the judge for a workspace: go build ./m1/... from the
// go.work directory, with the tool's GOPROXY, GOSUMDB and GOFLAGS.
func goWorkBuild(t *testing.T, dir string, env map[string]string) (bool, string) {
	t.Helper()
	var vars []string
	for _, k := range []string{"GOPROXY", "GOSUMDB", "GOFLAGS", "GOWORK"} {
		if v, ok := env[k]; ok {
			vars = append(vars, k+"="+v)
		}
	}
	out, ok := goRun(t, dir, vars, "build", "./m1/...")
	return ok, out
}
