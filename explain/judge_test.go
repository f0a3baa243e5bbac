package explain

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/report"
)

// TestJudgeVendor: a module vendor/ lacked persists until
// vendor/modules.txt lists it.
func TestJudgeVendor(t *testing.T) {
	log := "go: inconsistent vendoring in /src:\n\texample.test/good@v1.0.0: is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt\n"
	fs, err := Parse(strings.NewReader(log), "build.log")
	if err != nil || len(fs) != 1 {
		t.Fatalf("Parse: %v %+v", err, fs)
	}
	dir := t.TempDir()
	rep := &report.Report{Inputs: []report.Input{{File: filepath.Join(dir, "go.mod")}}}
	for _, tt := range []struct {
		modules string
		state   string
	}{
		{"", report.StatePersistent},
		{"# example.test/fork v1.2.0\n## explicit\n", report.StatePersistent},
		{"# example.test/good v1.0.0\n## explicit\nexample.test/good\n", report.StateTransient},
	} {
		if tt.modules != "" {
			if err := os.MkdirAll(filepath.Join(dir, "vendor"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "vendor", "modules.txt"), []byte(tt.modules), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		e := Judge(fs, rep)[0]
		if e.State != tt.state || e.Cause != cause.NotFound || e.Phase != string(PhaseVendor) {
			t.Errorf("modules.txt %q: %s %s %s (%s), want %s not_found vendor", tt.modules, e.State, e.Cause, e.Phase, e.Detail, tt.state)
		}
	}
}

// TestJudgeHost: a failure naming only a host is judged by that endpoint,
// and one naming nothing the check reached is unknown.
func TestJudgeHost(t *testing.T) {
	log := "verifying example.test/x@v1.0.0: Get \"https://sum.example/lookup/example.test/x@v1.0.0\": dial tcp 192.0.2.1:443: connect: connection refused\n"
	fs, _ := Parse(strings.NewReader(log), "b")
	if len(fs) != 1 || fs[0].Host != "sum.example" {
		t.Fatalf("%+v", fs)
	}
	for _, tt := range []struct {
		eps   []report.Endpoint
		state string
		cause cause.Code
	}{
		{nil, report.StateUnknown, cause.TCPRefused},
		{[]report.Endpoint{{URL: "https://sum.example", Host: "sum.example", Cause: cause.TCPTimeout}}, report.StatePersistent, cause.TCPTimeout},
		{[]report.Endpoint{{URL: "https://sum.example", Host: "sum.example", Reachable: true, Cause: cause.OK}}, report.StateTransient, cause.TCPRefused},
	} {
		e := Judge(fs, &report.Report{Endpoints: tt.eps})[0]
		if e.State != tt.state || e.Cause != tt.cause || e.LogCause != cause.TCPRefused {
			t.Errorf("endpoints %+v: %s %s, want %s %s", tt.eps, e.State, e.Cause, tt.state, tt.cause)
		}
	}
}
