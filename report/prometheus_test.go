package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/probe"
)

// TestPrometheus parses the output with Prometheus' own text parser and
// checks every family of contract §10: names, types, labels, values.
func TestPrometheus(t *testing.T) {
	started := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	rep := &Report{
		Started:    started,
		DurationMS: 2500,
		Endpoints: []Endpoint{
			{URL: "https://proxy.example", Role: probe.RoleProxy, Reachable: true, Latency: Latency{P50: 40, P95: 120, Max: 250}, Requests: 12, Failures: 3,
				FailureCauses: map[cause.Code]int{cause.ServerError: 2, cause.Timeout: 1}},
			// A hand-made report with a credential and a quote: both must
			// come out safe.
			{URL: "https://user:hunter2@mirror.example/go\"x", Role: probe.RoleCandidate, Reachable: false, Cause: cause.TCPRefused, Requests: 2, Failures: 2},
		},
		Ranking: []Rank{
			{URL: "https://proxy.example", Role: probe.RoleProxy, Rank: 1, Complete: true, Missing: []string{}},
			{URL: "https://user:hunter2@mirror.example/go\"x", Role: probe.RoleCandidate, Rank: 2, Missing: []string{"example.test/a@v1.1.0", "example.test/b@v0.2.0"}},
		},
		Summary: Summary{Modules: 5, OK: 3, NotFound: 1, Skipped: 1, Passed: true},
	}
	var buf bytes.Buffer
	if err := Prometheus(&buf, rep); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "hunter2") {
		t.Fatalf("credential in metrics:\n%s", out)
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(strings.NewReader(out))
	if err != nil {
		t.Fatalf("not valid exposition format: %v\n%s", err, out)
	}
	types := map[string]dto.MetricType{
		"gopreflight_endpoint_up":                dto.MetricType_GAUGE,
		"gopreflight_endpoint_latency_seconds":   dto.MetricType_GAUGE,
		"gopreflight_endpoint_requests_total":    dto.MetricType_COUNTER,
		"gopreflight_endpoint_failures_total":    dto.MetricType_COUNTER,
		"gopreflight_proxy_complete":             dto.MetricType_GAUGE,
		"gopreflight_proxy_missing_versions":     dto.MetricType_GAUGE,
		"gopreflight_modules":                    dto.MetricType_GAUGE,
		"gopreflight_passed":                     dto.MetricType_GAUGE,
		"gopreflight_run_duration_seconds":       dto.MetricType_GAUGE,
		"gopreflight_last_run_timestamp_seconds": dto.MetricType_GAUGE,
	}
	for name, typ := range types {
		f := fams[name]
		if f == nil {
			t.Errorf("family %s missing", name)
			continue
		}
		if f.GetType() != typ {
			t.Errorf("%s: type %v, want %v", name, f.GetType(), typ)
		}
		if f.GetHelp() == "" {
			t.Errorf("%s: no HELP", name)
		}
	}
	if len(fams) != len(types) {
		t.Errorf("%d families, want exactly %d", len(fams), len(types))
	}

	redacted := "https://***@mirror.example/go\"x"
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"gopreflight_endpoint_up", map[string]string{"url": "https://proxy.example", "role": "proxy"}, 1},
		{"gopreflight_endpoint_up", map[string]string{"url": redacted, "role": "candidate"}, 0},
		{"gopreflight_endpoint_latency_seconds", map[string]string{"url": "https://proxy.example", "role": "proxy", "quantile": "0.5"}, 0.04},
		{"gopreflight_endpoint_latency_seconds", map[string]string{"url": "https://proxy.example", "role": "proxy", "quantile": "0.95"}, 0.12},
		{"gopreflight_endpoint_latency_seconds", map[string]string{"url": "https://proxy.example", "role": "proxy", "quantile": "1"}, 0.25},
		{"gopreflight_endpoint_requests_total", map[string]string{"url": "https://proxy.example", "role": "proxy"}, 12},
		{"gopreflight_endpoint_failures_total", map[string]string{"url": "https://proxy.example", "role": "proxy", "cause": "server_error"}, 2},
		{"gopreflight_endpoint_failures_total", map[string]string{"url": "https://proxy.example", "role": "proxy", "cause": "timeout"}, 1},
		{"gopreflight_endpoint_failures_total", map[string]string{"url": redacted, "role": "candidate", "cause": "tcp_refused"}, 2},
		{"gopreflight_proxy_complete", map[string]string{"url": "https://proxy.example"}, 1},
		{"gopreflight_proxy_complete", map[string]string{"url": redacted}, 0},
		{"gopreflight_proxy_missing_versions", map[string]string{"url": redacted}, 2},
		{"gopreflight_modules", map[string]string{"status": "ok"}, 3},
		{"gopreflight_modules", map[string]string{"status": "not_found"}, 1},
		{"gopreflight_modules", map[string]string{"status": "checksum_mismatch"}, 0},
		{"gopreflight_passed", nil, 1},
		{"gopreflight_run_duration_seconds", nil, 2.5},
		{"gopreflight_last_run_timestamp_seconds", nil, float64(started.Unix()) + 2.5},
	}
	for _, tt := range tests {
		m := find(fams[tt.name], tt.labels)
		if m == nil {
			t.Errorf("%s%v: no sample", tt.name, tt.labels)
			continue
		}
		if got := value(m); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	if n := len(fams["gopreflight_modules"].GetMetric()); n != len(Statuses) {
		t.Errorf("gopreflight_modules has %d statuses, want every one of %v (zeros included)", n, Statuses)
	}
}

func find(f *dto.MetricFamily, labels map[string]string) *dto.Metric {
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		match := true
		for _, l := range m.GetLabel() {
			match = match && labels[l.GetName()] == l.GetValue()
		}
		if match {
			return m
		}
	}
	return nil
}

func value(m *dto.Metric) float64 {
	if m.Counter != nil {
		return m.GetCounter().GetValue()
	}
	return m.GetGauge().GetValue()
}
