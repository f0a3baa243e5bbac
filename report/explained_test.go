package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gopreflight/gopreflight/cause"
)

// TestExplainedOutputs: each explained failure is annotated at the go.mod
// line of its module (by version, else by path), once, an error while it
// persists and a warning once transient; text and markdown list them
// first, server text escaped.
func TestExplainedOutputs(t *testing.T) {
	r := &Report{
		Modules: []Module{
			{Path: "example.test/good", Version: "v1.0.0", File: "/ws/go.mod", Line: 5, Column: 2, Status: StatusUnreachable, Cause: cause.TCPRefused},
			// A version only the log names: checked from a module of
			// gopreflight's own, without a file.
			{Path: "example.test/good", Version: "v1.9.9", Status: StatusNotFound, Cause: cause.NotFound},
			{Path: "example.test/other", Version: "v1.0.0", File: "/ws/go.mod", Line: 6, Column: 2, Status: StatusOK, Cause: cause.OK},
		},
		Explained: []Explained{
			{Line: "go: example.test/good@v1.0.0: Get ...: connection refused", Source: "build.log:1", Module: "example.test/good@v1.0.0", Cause: cause.TCPRefused, LogCause: cause.TCPRefused, State: StatePersistent, Detail: "refused now"},
			{Line: "go: example.test/good@v1.9.9: reading ...: 404 Not Found", Source: "build.log:2", Module: "example.test/good@v1.9.9", Cause: cause.NotFound, LogCause: cause.NotFound, State: StatePersistent},
			{Line: "go: example.test/other@v1.0.0: 500 | <b>boom</b>", Source: "build.log:3", Module: "example.test/other@v1.0.0", Cause: cause.ServerError, LogCause: cause.ServerError, State: StateTransient},
		},
	}
	ans := Annotations(r, "/ws")
	type loc struct {
		file  string
		line  int
		level string
	}
	var got []loc
	for _, an := range ans {
		got = append(got, loc{an.File, an.Line, string(an.Level)})
	}
	want := []loc{{"go.mod", 5, "error"}, {"go.mod", 5, "error"}, {"go.mod", 6, "warning"}}
	if len(got) != len(want) {
		t.Fatalf("annotations %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("annotation %d: %+v, want %+v (%s)", i, got[i], want[i], ans[i].Title)
		}
	}
	var text bytes.Buffer
	if err := Text(&text, r); err != nil {
		t.Fatal(err)
	}
	// The verdict line, then what the log explains, before any table.
	_, afterVerdict, _ := strings.Cut(text.String(), "\n\n")
	if !strings.HasPrefix(afterVerdict, "Explained (from the log)\n  PERSISTENT [tcp_refused] example.test/good@v1.0.0") ||
		!strings.Contains(text.String(), "TRANSIENT [server_error] example.test/other@v1.0.0") {
		t.Errorf("text:\n%s", text.String())
	}
	md := MarkdownSummary(r, SummaryLimit)
	if !strings.Contains(md, "3 failures in the log, 2 persistent now.") || strings.Contains(md, "<b>") {
		t.Errorf("markdown:\n%s", md)
	}
}
