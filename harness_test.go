package main

// The harness the root package's tests share: the command run in-process,
// the go command as the judge, and module directories on disk.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/report"
)

// tool runs gopreflight in-process with exactly the given environment and
// returns its exit code and JSON report.
type toolRun struct {
	code           int
	rep            *report.Report
	stdout, stderr string
}

func runTool(t *testing.T, env map[string]string, args ...string) toolRun {
	t.Helper()
	out := filepath.Join(t.TempDir(), "report.json")
	base := map[string]string{"GOENV": "off", "GOSUMDB": "off", "GOTOOLCHAIN": "local", "HOME": t.TempDir(), "GOFLAGS": "-mod=mod"} // fixtures have no go.sum: let the build add it, as the judge does
	for k, v := range env {
		base[k] = v
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"--format", "text", "--output", out}, args...), func(k string) string { return base[k] }, &stdout, &stderr)
	tr := toolRun{code: code, stdout: stdout.String(), stderr: stderr.String()}
	if data, err := os.ReadFile(out); err == nil {
		tr.rep = &report.Report{}
		if err := json.Unmarshal(data, tr.rep); err != nil {
			t.Fatalf("report does not parse: %v", err)
		}
	}
	return tr
}

func (tr toolRun) module(t *testing.T, path, version string) report.Module {
	t.Helper()
	if tr.rep == nil {
		t.Fatalf("no report; stderr: %s", tr.stderr)
	}
	for _, m := range tr.rep.Modules {
		if m.Path == path && m.Version == version {
			return m
		}
	}
	t.Fatalf("module %s@%s not in report:\n%s", path, version, tr.stdout)
	return report.Module{}
}

// judge asks the real go command to download the same module versions
// with the same GOPROXY, a fresh module cache and no checksum database.
// It returns each module's error ("" when the download worked).
func judge(t *testing.T, vars []string, mods ...string) map[string]string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not installed: no judge for the differential test")
	}
	dir := t.TempDir()
	cmd := exec.Command("go", append([]string{"mod", "download", "-json"}, mods...)...)
	cmd.Dir = dir
	cmd.Env = goproxytest.GoEnv(t, vars...)
	out, _ := cmd.Output() // exit 1 when any module fails; the JSON says which
	got := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m struct{ Path, Version, Query, Error string }
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("go mod download -json output: %v\n%s", err, out)
		}
		v := m.Version
		if v == "" {
			v = m.Query
		}
		got[m.Path+"@"+v] = m.Error
	}
	return got
}

func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// afterTests run once every test of the package has finished: cleanups of
// what several tests share (the built binary).
var afterTests []func()

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range afterTests {
		f()
	}
	os.Exit(code)
}
