package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/faultserver"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/report"
)

// TestExplainCommand covers the command line of explain and run around one
// real world: a GOPROXY on a closed port, whose go command log is made
// once and read by every case.
func TestExplainCommand(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not installed: no real log")
	}
	closed := "http://" + faultserver.ClosedPort(t)
	vars := map[string]string{"GOPROXY": closed}
	dir := worldModule(t, []string{goodMod}, nil)
	log := goLog(t, dir, vars, []string{"mod", "download"})
	logFile := filepath.Join(t.TempDir(), "build.log")
	if err := os.WriteFile(logFile, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	// A real go command failure that is no fetch failure: go.mod does not
	// parse.
	badDir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nbogus directive\n"})
	badLog := goLog(t, badDir, vars, []string{"mod", "download"})
	badFile := filepath.Join(t.TempDir(), "bad.log")
	if err := os.WriteFile(badFile, []byte(badLog), 0o644); err != nil {
		t.Fatal(err)
	}
	fixed := goproxytest.New(t, served...)
	goBin, _ := exec.LookPath("go")
	envBin, err := exec.LookPath("env")
	if err != nil {
		t.Skip("no env command")
	}
	// run's command gets exactly this environment (env -i), as the
	// hermetic go command runs elsewhere in these tests.
	goEnv := goproxytest.GoEnv(t, "GOPROXY="+closed)

	t.Run("explain reads the log, the failure persists", func(t *testing.T) {
		t.Parallel()
		ex := runExplainTool(t, vars, "explain", "--format", "json", "--retries", "0", "--path", dir, logFile)
		if ex.code != 1 || ex.rep == nil || len(ex.rep.Explained) != 1 {
			t.Fatalf("exit %d, report %+v; want 1 with one explained failure\n%s", ex.code, ex.rep, ex.stderr)
		}
		e := ex.rep.Explained[0]
		if e.Cause != cause.TCPRefused || e.State != report.StatePersistent || e.Module != goodMod || e.Host != strings.TrimPrefix(closed, "http://") || e.Phase != "connect" {
			t.Errorf("explained %+v", e)
		}
		if !strings.Contains(e.Line, "connection refused") || e.Source != logFile+":1" {
			t.Errorf("line %q source %q", e.Line, e.Source)
		}
	})
	t.Run("the same log once the proxy answers: transient", func(t *testing.T) {
		t.Parallel()
		ex := runExplainTool(t, map[string]string{"GOPROXY": fixed.URL()}, "explain", "--format", "text", "--retries", "0", "--path", dir, logFile)
		if ex.code != 1 || ex.rep == nil || len(ex.rep.Explained) != 1 {
			t.Fatalf("exit %d; want 1 with one explained failure\n%s%s", ex.code, ex.stdout, ex.stderr)
		}
		if e := ex.rep.Explained[0]; e.State != report.StateTransient || e.Cause != cause.TCPRefused {
			t.Errorf("explained %+v; want transient tcp_refused", e)
		}
		if !strings.Contains(ex.stdout, "TRANSIENT [tcp_refused]") {
			t.Errorf("text report:\n%s", ex.stdout)
		}
	})
	t.Run("a log with no fetch failure: exit 0, and says so", func(t *testing.T) {
		t.Parallel()
		ex := runExplainTool(t, vars, "explain", "--format", "text", "--path", dir, badFile)
		if ex.code != 0 || !strings.Contains(ex.stdout, "nothing to explain") {
			t.Errorf("exit %d, stdout %q; want 0 and nothing to explain (log: %s)", ex.code, ex.stdout, badLog)
		}
		if ex.rep == nil || len(ex.rep.Explained) != 0 || !ex.rep.Summary.Passed {
			t.Errorf("JSON report %+v: want one with no explained failure", ex.rep)
		}
	})
	t.Run("unusable input is exit 2 naming the file", func(t *testing.T) {
		t.Parallel()
		missing := filepath.Join(t.TempDir(), "nope.log")
		for _, args := range [][]string{
			{"explain", missing},
			{"explain", t.TempDir()},
			{"explain", "--format", "nope", logFile},
			{"explain", "--path", filepath.Join(t.TempDir(), "none"), logFile},
			{"run", "go", "build"},
			{"run", "--"},
			{"run", "--", filepath.Join(t.TempDir(), "no-such-command")},
		} {
			ex := runExplainTool(t, vars, args...)
			if ex.code != 2 || ex.stderr == "" {
				t.Errorf("%q: exit %d, stderr %q; want 2 and a message", args, ex.code, ex.stderr)
			}
		}
		if ex := runExplainTool(t, vars, "explain", missing); !strings.Contains(ex.stderr, missing) {
			t.Errorf("the message does not name %s: %s", missing, ex.stderr)
		}
	})
	t.Run("run passes the output through, keeps the status, explains", func(t *testing.T) {
		t.Parallel()
		args := append([]string{"run", "--format", "text", "--retries", "0", "--path", dir, "--", envBin, "-i"}, goEnv...)
		ex := runExplainTool(t, vars, append(args, goBin, "-C", dir, "mod", "download")...)
		if ex.code != 1 {
			t.Errorf("exit %d, want the go command's 1\n%s", ex.code, ex.stderr)
		}
		if !strings.HasPrefix(ex.stderr, log) {
			t.Errorf("stderr does not start with the go command's output unchanged:\n%q\nwant prefix\n%q", ex.stderr, log)
		}
		if !strings.Contains(ex.stderr, "PERSISTENT [tcp_refused] "+goodMod) {
			t.Errorf("no explanation on stderr:\n%s", ex.stderr)
		}
		if ex.rep == nil || len(ex.rep.Explained) != 1 {
			t.Errorf("--output report %+v", ex.rep)
		}
	})
	t.Run("run of a command that succeeds or fails otherwise", func(t *testing.T) {
		t.Parallel()
		ex := runExplainTool(t, vars, "run", "--", envBin, "-i", "sh", "-c", "echo out; echo err >&2")
		if ex.code != 0 || ex.stdout != "out\n" || ex.stderr != "err\n" || ex.rep != nil {
			t.Errorf("exit %d stdout %q stderr %q report %v; want 0, the output unchanged, no report", ex.code, ex.stdout, ex.stderr, ex.rep != nil)
		}
		ex = runExplainTool(t, vars, "run", "--", envBin, "-i", "sh", "-c", "echo compile error >&2; exit 3")
		if ex.code != 3 || !strings.Contains(ex.stderr, "nothing to explain") {
			t.Errorf("exit %d stderr %q; want 3 and nothing to explain", ex.code, ex.stderr)
		}
	})
	t.Run("versions the log names that go.mod does not require are checked too", func(t *testing.T) {
		t.Parallel()
		// go get of a version the proxy lacks, and a go line whose
		// toolchain the proxy lacks: go.mod requires neither module.
		getLog := goLog(t, worldModule(t, []string{goodMod}, nil), map[string]string{"GOPROXY": fixed.URL()}, []string{"get", "example.test/good@v1.9.9"})
		tcDir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.99.1\n"})
		tcLog := goLog(t, tcDir, map[string]string{"GOPROXY": fixed.URL(), "GOTOOLCHAIN": "auto"}, []string{"mod", "download"})
		both := filepath.Join(t.TempDir(), "both.log")
		if err := os.WriteFile(both, []byte(getLog+tcLog), 0o644); err != nil {
			t.Fatal(err)
		}
		ex := runExplainTool(t, map[string]string{"GOPROXY": fixed.URL()}, "explain", "--format", "json", "--retries", "0", "--path", dir, both)
		if ex.rep == nil {
			t.Fatalf("exit %d: %s", ex.code, ex.stderr)
		}
		want := map[string]bool{"example.test/good@v1.9.9": false, "golang.org/toolchain@v0.0.1-go1.99.1." + runtime.GOOS + "-" + runtime.GOARCH: false}
		for _, e := range ex.rep.Explained {
			if _, ok := want[e.Module]; ok {
				want[e.Module] = true
				if e.Cause != cause.NotFound || e.State != report.StatePersistent {
					t.Errorf("%s: %s %s (%s), want persistent not_found", e.Module, e.State, e.Cause, e.Detail)
				}
			}
		}
		for m, seen := range want {
			if !seen {
				t.Errorf("%s not explained: %+v\nlogs:\n%s%s", m, ex.rep.Explained, getLog, tcLog)
			}
		}
	})
	t.Run("in Actions: annotation at the go.mod line, job summary", func(t *testing.T) {
		t.Parallel()
		files := t.TempDir()
		gh := map[string]string{"GOPROXY": closed, "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": dir,
			"GITHUB_STEP_SUMMARY": filepath.Join(files, "summary"), "GITHUB_OUTPUT": filepath.Join(files, "output")}
		for _, k := range []string{"GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"} {
			if err := os.WriteFile(gh[k], nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		ex := runExplainTool(t, gh, "explain", "--retries", "0", "--path", dir, logFile)
		if ex.code != 1 {
			t.Fatalf("exit %d\n%s", ex.code, ex.stderr)
		}
		if !strings.Contains(ex.stdout, "file=go.mod,line=5,") || !strings.Contains(ex.stdout, "title="+goodMod+"%3A tcp_refused (persistent)") {
			t.Errorf("no annotation at go.mod:5:\n%s", ex.stdout)
		}
		summary, _ := os.ReadFile(gh["GITHUB_STEP_SUMMARY"])
		if !bytes.Contains(summary, []byte("Explained from the log")) || !bytes.Contains(summary, []byte("connection refused")) {
			t.Errorf("job summary:\n%s", summary)
		}
	})
}

// TestExplainStdin: without LOG (and with -) explain reads stdin.
func TestExplainStdin(t *testing.T) {
	log := "\x1b[31mgo: example.test/good@v1.9.9: reading http://127.0.0.1:9/example.test/good/@v/v1.9.9.mod: 404 Not Found\x1b[0m\r\n"
	dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire example.test/good v1.9.9\n"})
	for _, args := range [][]string{{"explain", "--format", "json", "--path", dir}, {"explain", "--format", "json", "--path", dir, "-"}} {
		old := stdin
		stdin = strings.NewReader(log)
		ex := runExplainTool(t, map[string]string{"GOPROXY": "off"}, args...)
		stdin = old
		if ex.code != 1 || ex.rep == nil || len(ex.rep.Explained) != 1 || ex.rep.Explained[0].Source != "stdin:1" || ex.rep.Explained[0].LogCause != cause.NotFound {
			t.Errorf("%q: exit %d report %+v\n%s", args, ex.code, ex.rep, ex.stderr)
		}
	}
}
