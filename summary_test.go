package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gopreflight/gopreflight/internal/faultserver"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/internal/testca"
)

// TestSummaryWhenManyFail runs the common failures for real, with many
// modules, and checks that the job summary leads with the answer and
// stays small: the verdict, then one finding per cause and host, then one
// table row per group, the full per-module table collapsed and bounded,
// passing modules never listed, and under 100 KB even for 5,000 failing
// modules. With GOPREFLIGHT_SUMMARY_DIR set, each summary is written there
// as NAME.md, for rendering with render-summary (the PNGs in docs/).
func TestSummaryWhenManyFail(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		// setup serves mods (all but missing, when set) and returns the
		// environment and flags.
		setup   func(t *testing.T, mods []goproxytest.Module) (map[string]string, []string)
		missing int // index of a module the proxy lacks, or -1
		// failing is how many modules fail; groups the rows of the grouped
		// table; cause their cause.
		failing, groups int
		cause           string
		png             string // docs/NAME.png is this case rendered
	}{
		{
			name: "host-down", n: 230, missing: -1, failing: 230, groups: 1, cause: "tcp_refused", png: "summary-host-down",
			setup: func(t *testing.T, mods []goproxytest.Module) (map[string]string, []string) {
				return map[string]string{"GOPROXY": "http://" + faultserver.ClosedPort(t)}, nil
			},
		},
		{
			name: "version-missing", n: 230, missing: 117, failing: 1, groups: 1, cause: "not_found", png: "summary-version-missing",
			setup: func(t *testing.T, mods []goproxytest.Module) (map[string]string, []string) {
				p := goproxytest.New(t, mods...)
				return map[string]string{"GOPROXY": p.URL()}, nil
			},
		},
		{
			name: "tls-interception", n: 230, missing: -1, failing: 230, groups: 1, cause: "tls_unknown_authority", png: "summary-tls-interception",
			setup: func(t *testing.T, mods []goproxytest.Module) (map[string]string, []string) {
				p := goproxytest.NewTLS(t, testca.New(t).Leaf("127.0.0.1"), mods...)
				return map[string]string{"GOPROXY": p.URL()}, nil
			},
		},
		{
			name: "host-down-5000", n: 5000, missing: -1, failing: 5000, groups: 1, cause: "tcp_refused",
			setup: func(t *testing.T, mods []goproxytest.Module) (map[string]string, []string) {
				return map[string]string{"GOPROXY": "http://" + faultserver.ClosedPort(t)}, nil
			},
		},
		{
			name: "not-found-5000", n: 5000, missing: -1, failing: 5000, groups: 1, cause: "not_found",
			setup: func(t *testing.T, mods []goproxytest.Module) (map[string]string, []string) {
				p := goproxytest.New(t) // serves nothing
				return map[string]string{"GOPROXY": p.URL()}, nil
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mods []goproxytest.Module
			var req strings.Builder
			for i := 0; i < tc.n; i++ {
				m := goproxytest.Module{Path: fmt.Sprintf("example.test/dep%04d", i), Version: "v1.0.0", Files: map[string]string{"d.go": "package dep\n"}}
				req.WriteString("\t" + m.Path + " " + m.Version + "\n")
				if i == tc.missing {
					m.Version = "v1.0.1" // go.mod asks for v1.0.0, which the proxy lacks
				}
				mods = append(mods, m)
			}
			env, args := tc.setup(t, mods)
			// As a workflow step: the job summary file gets the same.
			stepSummary := filepath.Join(t.TempDir(), "step_summary")
			env["GITHUB_ACTIONS"], env["GITHUB_STEP_SUMMARY"], env["GITHUB_OUTPUT"] = "true", stepSummary, filepath.Join(t.TempDir(), "output")
			dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire (\n" + req.String() + ")\n"})
			chdir(t, dir) // go.mod lines read as a workflow shows them: relative
			tr := runTool(t, env, append(append([]string{"--retries", "0", "--timeout", "60s", "--format", "markdown"}, args...), ".")...)
			md := tr.stdout
			if tr.code != 1 {
				t.Fatalf("exit %d, want 1; stderr: %s", tr.code, tr.stderr)
			}
			if out := os.Getenv("GOPREFLIGHT_SUMMARY_DIR"); out != "" {
				os.WriteFile(filepath.Join(out, tc.name+".md"), []byte(md), 0o644)
			}
			if len(md) >= 100<<10 {
				t.Errorf("summary is %d bytes, want under 100 KB", len(md))
			}
			if step, err := os.ReadFile(stepSummary); err != nil || len(step) >= 100<<10 || !strings.HasPrefix(string(step), md[:strings.Index(md, "\n")]) {
				t.Errorf("job summary file: %d bytes (%v), want under 100 KB and the same verdict", len(step), err)
			}
			verdict := fmt.Sprintf("## ❌ gopreflight: %d of %d needed module versions cannot be fetched", tc.failing, tc.n)
			if !strings.HasPrefix(md, verdict) {
				t.Errorf("summary does not open with %q:\n%.300s", verdict, md)
			}
			// Findings come before the tables, and name the cause once.
			fi, gi := strings.Index(md, "### Findings"), strings.Index(md, "### Modules that cannot be fetched, by cause and host")
			if fi < 0 || gi < fi {
				t.Errorf("findings at %d, grouped table at %d: want findings first", fi, gi)
			}
			if n := strings.Count(md[fi:max(gi, fi)], "- **ERROR** `"+tc.cause+"`"); n != 1 {
				t.Errorf("%d error findings with cause %s, want one", n, tc.cause)
			}
			// One row per group, with the count.
			rows := regexp.MustCompile("(?m)^\\| `"+tc.cause+"` [^|]* \\| [^|]* \\| "+fmt.Sprint(tc.failing)+" \\|").FindAllString(md, -1)
			if len(rows) != tc.groups {
				t.Errorf("%d grouped rows for %s with count %d, want %d", len(rows), tc.cause, tc.failing, tc.groups)
			}
			// The per-module table is collapsed and bounded, with a note.
			shown := min(tc.failing, 200)
			if !strings.Contains(md, fmt.Sprintf("<details><summary>Every failing module: %d (", tc.failing)) {
				t.Errorf("no collapsed per-module table")
			}
			if n := strings.Count(md, "| `example.test/dep"); n > shown+tc.groups*3 {
				t.Errorf("%d module rows and examples, want at most %d", n, shown+tc.groups*3)
			}
			if tc.failing > shown && !strings.Contains(md, fmt.Sprintf("_%d more not shown (bound: 200 rows); see the JSON report._", tc.failing-shown)) {
				t.Errorf("the per-module table's cut has no note")
			}
			// Passing modules are never listed one by one.
			if tc.missing >= 0 {
				for i, m := range mods {
					if i != tc.missing && strings.Contains(md, m.Path+"@") {
						t.Fatalf("passing module %s is listed", m.Path)
					}
				}
			}
			// Readable on one screen: outside the collapsed sections, a
			// short page whatever the number of modules.
			if n := visibleLines(md); n > 60 {
				t.Errorf("%d visible lines outside <details>, want at most 60", n)
			}
			if t.Failed() {
				t.Logf("summary (%d bytes):\n%.6000s", len(md), md)
			}
		})
	}
}

// visibleLines counts the summary's non-empty lines outside <details>
// sections, which GitHub shows collapsed.
func visibleLines(md string) int {
	n, depth := 0, 0
	for _, l := range strings.Split(md, "\n") {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "<details>"):
			depth++
			n++ // its summary line shows
		case t == "</details>":
			depth--
		case depth == 0 && t != "":
			n++
		}
	}
	return n
}

// chdir is testing.T.Chdir (go1.24) for this module's go1.23: serial
// tests only, as no parallel test runs while they do.
func chdir(t *testing.T, dir string) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(wd) })
}
