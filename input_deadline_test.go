package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/faultserver"
	"github.com/gopreflight/gopreflight/internal/heapwatch"
	"github.com/gopreflight/gopreflight/report"
)

// TestDeadlineHoldsForInput: the run ends by --timeout, with a report,
// however large the go.mod and go.sum a pull request brings: the inputs
// are read and planned under the deadline, the time kept for the report
// grows with them, and when the deadline leaves no time to check what
// they name the report says so. Run as an Actions step writes (github
// format, job summary, outputs, the JSON report file) against a proxy
// that accepts connections and never answers, the worst case for a
// deadline. Before, 100,000 requires ran 8.1 s under --timeout 2s and a
// 78 MiB go.sum 58.8 s.
func TestDeadlineHoldsForInput(t *testing.T) {
	if testing.Short() {
		t.Skip("writes inputs of up to 62 MB")
	}
	proxy := "http://" + faultserver.Silent(t)
	// Under the race detector every step is several times slower, and so
	// is the time the report needs: a smaller input keeps the case the
	// same one.
	scale := 1
	if raceEnabled {
		scale = 10
	}
	for _, tc := range []struct {
		name     string
		requires int
		versions int // go.sum lines per required module: each version's h1: and /go.mod
		timeout  time.Duration
		// checked: every required version is listed, timeout; else the
		// report says the deadline came first and names no module.
		checked bool
		heap    uint64 // bound on the heap's growth
	}{
		{name: "20,000 requires", requires: 20_000 / scale, versions: 1, timeout: 2 * time.Second, checked: true, heap: 400 << 20},
		{name: "100,000 requires", requires: 100_000 / scale, versions: 1, timeout: time.Second / time.Duration(scale), heap: 400 << 20},
		{name: "62 MB go.sum", requires: 100_000 / scale, versions: 4, timeout: time.Second, heap: 1 << 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := hugeModule(t, tc.requires, tc.versions)
			summary := filepath.Join(t.TempDir(), "summary.md")
			out := filepath.Join(t.TempDir(), "out.txt")
			jsonFile := filepath.Join(t.TempDir(), "report.json")
			for _, f := range []string{summary, out} {
				if err := os.WriteFile(f, nil, 0o666); err != nil {
					t.Fatal(err)
				}
			}
			env := map[string]string{
				"GOPROXY": proxy, "GOSUMDB": "off", "GOFLAGS": "-mod=mod", "GOENV": "off", "GOTOOLCHAIN": "local",
				"HOME": t.TempDir(), "GOMODCACHE": t.TempDir(),
				"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary, "GITHUB_OUTPUT": out,
			}
			var stdout, stderr bytes.Buffer
			stopHeap := heapwatch.Start(5 * time.Millisecond)
			start := time.Now()
			code := run(context.Background(), []string{"--retries", "0", "--timeout", tc.timeout.String(), "--output", jsonFile, dir},
				func(k string) string { return env[k] }, &stdout, &stderr)
			took := time.Since(start)
			grew := stopHeap()
			// The run's clock starts inside run, after the flags; 250 ms
			// covers that and the scheduler of a machine running other
			// packages' tests. The time kept for the report is priced for
			// the plain binary; the race detector multiplies it.
			slack := 250 * time.Millisecond
			if raceEnabled {
				slack = 750 * time.Millisecond
			}
			if took > tc.timeout+slack {
				t.Errorf("run took %v under --timeout %v", took, tc.timeout)
			}
			t.Logf("%d requires, %d go.sum lines: %v under --timeout %v, heap grew %d MiB", tc.requires, 2*tc.requires*tc.versions, took.Round(time.Millisecond), tc.timeout, grew>>20)
			if grew > tc.heap {
				t.Errorf("heap grew %d MiB, want at most %d", grew>>20, tc.heap>>20)
			}
			if code != exitGate {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitGate, stderr.String())
			}
			data, err := os.ReadFile(jsonFile)
			if err != nil {
				t.Fatal(err)
			}
			var rep report.Report
			if err := json.Unmarshal(data, &rep); err != nil {
				t.Fatalf("the JSON report does not parse: %v", err)
			}
			if rep.Summary.Passed {
				t.Error("the report passed a build nothing was checked for")
			}
			var deadline *report.Finding
			for i, f := range rep.Findings {
				if f.Cause == cause.Timeout && strings.HasPrefix(f.Title, "The deadline ") {
					deadline = &rep.Findings[i]
				}
			}
			if tc.checked {
				if deadline != nil || rep.Summary.Modules != tc.requires || rep.Summary.Timeout != tc.requires {
					t.Errorf("summary %+v, deadline finding %v; want all %d versions listed, timeout", rep.Summary, deadline != nil, tc.requires)
				}
				return
			}
			if deadline == nil || deadline.Severity != report.SeverityError || len(rep.Modules) != 0 || !strings.Contains(deadline.Advice, "raise --timeout") {
				t.Fatalf("want one error finding saying the deadline came first, no module rows; got %d modules, %d findings", len(rep.Modules), len(rep.Findings))
			}
			for _, want := range []string{"::error", "deadline", "raise --timeout"} {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("the step's output lacks %q:\n%s", want, stdout.String())
				}
			}
			if s, _ := os.ReadFile(summary); !strings.Contains(string(s), "deadline") {
				t.Errorf("the job summary does not say the deadline came first:\n%s", s)
			}
			if o, _ := os.ReadFile(out); !regexp.MustCompile(`(?m)^passed<<(\S+)\nfalse\n`).Match(o) {
				t.Errorf("step outputs lack passed=false:\n%s", o)
			}
		})
	}
}

// hugeModule writes a go.mod requiring n modules and a go.sum with, for
// each, the lines of versions v1.0.0 and up (only v1.0.0 is required;
// the others are lines a go.sum keeps for the module graph).
func hugeModule(t *testing.T, n, versions int) string {
	t.Helper()
	dir := t.TempDir()
	var mod, sum bytes.Buffer
	mod.WriteString("module example.test/huge\n\ngo 1.21\n\nrequire (\n")
	const hash = "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	for i := range n {
		fmt.Fprintf(&mod, "\texample.test/m%d v1.0.0\n", i)
		for v := range versions {
			fmt.Fprintf(&sum, "example.test/m%d v1.0.%d %s\nexample.test/m%d v1.0.%d/go.mod %s\n", i, v, hash, i, v, hash)
		}
	}
	mod.WriteString(")\n")
	for name, b := range map[string][]byte{"go.mod": mod.Bytes(), "go.sum": sum.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestNothingCheckedInEveryFormat: a run whose deadline came before the
// inputs were read fails the gate, and every format says so: SARIF and
// JUnit, which list modules, carry the finding about none.
func TestNothingCheckedInEveryFormat(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 15 MB go.sum")
	}
	dir := hugeModule(t, 100_000, 1)
	proxy := "http://" + faultserver.Silent(t)
	env := map[string]string{"GOPROXY": proxy, "GOSUMDB": "off", "GOFLAGS": "-mod=mod", "GOENV": "off", "GOTOOLCHAIN": "local", "HOME": t.TempDir()}
	for _, format := range []string{"text", "json", "markdown", "github", "sarif", "junit", "prometheus"} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"--retries", "0", "--timeout", "300ms", "--format", format, dir},
			func(k string) string { return env[k] }, &stdout, &stderr)
		out := stdout.String()
		if code != exitGate {
			t.Errorf("%s: exit %d, want %d", format, code, exitGate)
		}
		want := "The deadline"
		switch format {
		case "prometheus":
			want = "gopreflight_passed 0"
		case "junit":
			want = `failures="1"`
		}
		if !strings.Contains(out, want) {
			t.Errorf("%s: output lacks %q:\n%s", format, want, out)
		}
	}
}
