package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/report"
)

// TestDeadlineOnSlowRoute: a route that answers, slowly (a cold caching
// proxy fetching from its upstream), leaves the versions the deadline
// ends as not checked: a warning with the measured rate and an estimate,
// exit 0, as the go command (which has no deadline) succeeds. A route
// that answers nothing stays a failure. Neither blames the next GOPROXY
// entry, never asked, nor a finding without a host.
func TestDeadlineOnSlowRoute(t *testing.T) {
	var mods []goproxytest.Module
	for i := range 12 {
		mods = append(mods, goproxytest.Module{Path: fmt.Sprintf("example.test/m%02d", i), Version: "v1.0.0", Files: map[string]string{"m.go": "package m\n"}})
	}
	slow := goproxytest.New(t, mods...)
	slow.SetLatency(250 * time.Millisecond)
	stalled := goproxytest.New(t, mods...)
	stalled.Handle(func(string) bool { return true }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stalled.Done():
		}
	}))
	next := goproxytest.New(t, mods...)

	var req, sum strings.Builder
	var ids []string
	for _, m := range mods {
		req.WriteString("\t" + m.Path + " v1.0.0\n")
		zl, ml := slow.GoSum(m.Path, m.Version)
		sum.WriteString(zl + "\n" + ml + "\n")
		ids = append(ids, m.Path+"@v1.0.0")
	}
	dir := writeModule(t, map[string]string{
		"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire (\n" + req.String() + ")\n",
		"go.sum": sum.String(),
	})

	for _, tc := range []struct {
		name     string
		first    *goproxytest.Server
		code     int
		notCheck bool // versions left are skipped/timeout, not failures
	}{
		{name: "answering slowly", first: slow, code: 0, notCheck: true},
		{name: "answering nothing", first: stalled, code: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(next.Requests())
			goproxy := tc.first.URL() + "|" + next.URL()
			tr := runTool(t, map[string]string{"GOPROXY": goproxy, "GOFLAGS": ""},
				"--timeout", "2s", "--concurrency", "2", "--retries", "0", "--depth", "mod", dir)
			if tr.code != tc.code {
				t.Errorf("exit %d, want %d\n%s", tr.code, tc.code, tr.stdout)
			}
			if n := len(next.Requests()) - before; n != 0 {
				t.Errorf("the next GOPROXY entry got %d requests", n)
			}
			s := tr.rep.Summary
			for _, f := range tr.rep.Findings {
				if strings.Contains(f.Title, next.URL()) || strings.Contains(f.Detail, next.URL()) || strings.Contains(f.Title, ":  ") {
					t.Errorf("finding blames an entry never asked or no host: %q", f.Title)
				}
				for _, e := range f.Endpoints {
					if e == "" || e == next.URL() {
						t.Errorf("finding %q names endpoint %q", f.Title, e)
					}
				}
			}
			if !tc.notCheck {
				if s.Timeout != len(mods) || s.NotChecked != 0 {
					t.Errorf("summary %+v: want every version timeout", s)
				}
				return
			}
			if s.OK == 0 || s.NotChecked == 0 || s.OK+s.NotChecked != len(mods) || s.Timeout != 0 {
				t.Fatalf("summary %+v: want some ok, the rest not checked", s)
			}
			var f *report.Finding
			for i := range tr.rep.Findings {
				if tr.rep.Findings[i].Cause == cause.Timeout {
					f = &tr.rep.Findings[i]
				}
			}
			if f == nil || f.Severity != report.SeverityWarning || len(f.Modules) != s.NotChecked ||
				!strings.Contains(f.Title, "versions/s") || !strings.Contains(f.Detail, "take about") || len(f.Endpoints) != 1 || f.Endpoints[0] != slow.URL() {
				t.Errorf("want one warning naming %s with the rate and an estimate, got %+v", slow.URL(), tr.rep.Findings)
			}
			for _, m := range tr.rep.Modules {
				if m.Status == report.StatusSkipped && (m.Cause != cause.Timeout || !strings.Contains(m.Detail, "not checked")) {
					t.Errorf("%s: %s/%s %q", m.ID(), m.Status, m.Cause, m.Detail)
				}
			}
			if !strings.Contains(tr.stdout, "not checked before the deadline") {
				t.Errorf("verdict: %s", lastLine(tr.stdout))
			}
			// The go command, with no deadline, fetches every version.
			for id, e := range judge(t, []string{"GOPROXY=" + slow.URL()}, ids...) {
				if e != "" {
					t.Errorf("judge: %s: %s", id, e)
				}
			}
		})
	}
}
