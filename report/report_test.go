package report

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/probe"
)

// keys lists the object keys of v at every depth, as "a.b[].c" paths.
func keys(prefix string, v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			p := prefix + "." + k
			out[p] = true
			keys(p, child, out)
		}
	case []any:
		for _, child := range x {
			keys(prefix+"[]", child, out)
		}
	}
}

// TestJSONMatchesSpec: the report carries every field of the contract's JSON
// example, at the same place, with nothing renamed.
func TestJSONMatchesSpec(t *testing.T) {
	data, err := os.ReadFile("testdata/spec-report.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec any
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	r := &Report{
		Schema:    Schema,
		Inputs:    []Input{{File: "go.mod"}},
		Env:       map[string]string{"GOPROXY": "", "GONOPROXY": "", "GOPRIVATE": "", "GONOSUMDB": "", "GOSUMDB": "", "GOFLAGS": "", "GOINSECURE": "", "https_proxy": ""},
		Modules:   []Module{{Attempts: []Attempt{{}}}},
		Endpoints: []Endpoint{{TLS: &TLS{}, Addresses: []string{}}},
		Findings:  []Finding{{Endpoints: []string{}, Modules: []string{}}},
		Ranking:   []Rank{{Missing: []string{}}},
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var got any
	json.Unmarshal(b, &got)
	want, have := map[string]bool{}, map[string]bool{}
	keys("", spec, want)
	keys("", got, have)
	var missing []string
	for k := range want {
		if !have[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("report lacks contract fields: %s", strings.Join(missing, ", "))
	}
	if r.Schema != "gopreflight/v1" {
		t.Errorf("schema %q", r.Schema)
	}
}

func TestGateAndVerdict(t *testing.T) {
	warn := Finding{Severity: SeverityWarning, Cause: cause.MirrorLag}
	errF := Finding{Severity: SeverityError, Cause: cause.NotFound}
	tests := []struct {
		findings []Finding
		failOn   string
		passed   bool
	}{
		{nil, FailOnError, true},
		{[]Finding{warn}, FailOnError, true},
		{[]Finding{warn}, FailOnWarning, false},
		{[]Finding{errF}, FailOnError, false},
		{[]Finding{errF}, FailOnNever, true},
		{[]Finding{{Severity: SeverityNotice}}, FailOnWarning, true},
	}
	for _, tt := range tests {
		r := &Report{Findings: tt.findings}
		if got := r.Gate(tt.failOn); got != tt.passed || r.Summary.Passed != got {
			t.Errorf("Gate(%s) with %v = %v, want %v", tt.failOn, tt.findings, got, tt.passed)
		}
	}
	r := &Report{Summary: Summary{Modules: 3, OK: 1, NotFound: 1, Unreachable: 1}}
	if v := r.Verdict(); v != "2 of 3 needed module versions cannot be fetched (1 not_found, 1 unreachable)" {
		t.Errorf("Verdict = %q", v)
	}
}

// TestTextLeadsWithTheAnswer: the verdict, then the findings, then the
// failing modules by cause and host and one per row, then the hosts to
// allow; a passing module is counted, never listed.
func TestTextLeadsWithTheAnswer(t *testing.T) {
	r := &Report{
		Modules:   []Module{{Path: "example.test/a", Version: "v1.0.0", Status: StatusOK}, {Path: "example.test/b\n::error::x", Version: "v1.0.0", Status: StatusNotFound, Cause: cause.NotFound}},
		Endpoints: []Endpoint{{URL: "https://proxy.example", Role: probe.RoleProxy}, {URL: "https://storage.example:8443", Role: probe.RoleRedirect}},
		Findings:  []Finding{{Severity: SeverityError, Cause: cause.NotFound, Title: "1 module version not found", Advice: "check go.mod"}},
		Summary:   Summary{Modules: 2, OK: 1, NotFound: 1},
	}
	r.Gate(FailOnError)
	var b strings.Builder
	if err := Text(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.HasPrefix(out, "FAIL: 1 of 2 needed module versions cannot be fetched (1 not_found)\n") {
		t.Errorf("text does not open with the verdict:\n%s", out)
	}
	at := 0
	for _, s := range []string{"Findings", "Modules that cannot be fetched, by cause and host", "MODULE", "Other module versions: 1 ok", "allow-list", "FAIL: 1 of 2"} {
		i := strings.Index(out[at:], s)
		if i < 0 {
			t.Fatalf("text lacks %q after offset %d:\n%s", s, at, out)
		}
		at += i + len(s)
	}
	for _, want := range []string{"proxy.example:443", "storage.example:8443"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "example.test/a") {
		t.Errorf("a passing module is listed:\n%s", out)
	}
	if strings.Contains(out, "b\n::error") {
		t.Error("a newline from module text reached the output")
	}
}

// TestRankingLine: with no complete proxy, the text says whether any
// proxy answered: a proxy that answered nothing lacks no version it was
// asked for, and "No proxy has every needed version" beside MISSING 0
// misled.
func TestRankingLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		rows []Rank
		want string
	}{
		{"down", []Rank{{URL: "https://proxy.example", Rank: 1, Missing: []string{}}}, "No proxy answered: none could be measured."},
		{"lacking", []Rank{{URL: "https://proxy.example", Rank: 1, Missing: []string{"example.test/a@v1.0.0"}, SuccessRatio: 0.5}}, "No proxy has every needed version."},
		{"complete", []Rank{{URL: "https://proxy.example", Rank: 1, Complete: true, Missing: []string{}, SuccessRatio: 1}}, "Fastest complete proxy: https://proxy.example"},
	} {
		var buf strings.Builder
		b := &errWriter{w: &buf}
		rankingText(b, &Report{Ranking: tc.rows})
		if !strings.Contains(buf.String(), tc.want) {
			t.Errorf("%s: ranking text lacks %q:\n%s", tc.name, tc.want, buf.String())
		}
	}
}

// TestExplainedTransientVerdict: explain's report of a log whose failures
// no longer reproduce exits 1 (contract §1), so it must not open with
// PASS; it says the failures were transient.
func TestExplainedTransientVerdict(t *testing.T) {
	r := &Report{Summary: Summary{Modules: 1, OK: 1, Passed: true}}
	if r.Mark() != "PASS" {
		t.Fatalf("a passing check: %s", r.Mark())
	}
	r.Explained = []Explained{{State: StateTransient}, {State: StateTransient}}
	if got, v := r.Mark(), r.Verdict(); got != "FAIL" || !strings.Contains(v, "the log's 2 failures no longer reproduce (transient") || !strings.Contains(v, "the one needed module version can be fetched") {
		t.Errorf("transient failures: %s: %s", got, v)
	}
	r.Explained = []Explained{{State: StateTransient}, {State: StateUnknown}}
	if v := r.Verdict(); strings.Contains(v, "no longer reproduce") {
		t.Errorf("a failure the check could not probe again is called transient: %s", v)
	}
}

// TestNothingCheckedVerdict: a report with no module rows and an error
// finding (the deadline came before the inputs were read) says nothing
// was checked, in the finding's words; without one it is nothing to fetch.
func TestNothingCheckedVerdict(t *testing.T) {
	r := &Report{Findings: []Finding{{Severity: SeverityError, Cause: "timeout", Title: "The deadline came before the inputs were read"}}}
	if got, want := r.Verdict(), "nothing checked: the deadline came before the inputs were read"; got != want {
		t.Errorf("Verdict() = %q, want %q", got, want)
	}
	r.Findings[0].Title = "" // never built so, but no panic on it
	if got := r.Verdict(); got != "nothing to fetch: no module requirements" {
		t.Errorf("Verdict() = %q", got)
	}
}
