package main

import (
	"testing"

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
