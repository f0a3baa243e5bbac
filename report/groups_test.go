package report

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/probe"
)

func failing(path string, c cause.Code, via, url string) Module {
	m := Module{Path: path, Version: "v1.0.0", File: "go.mod", Line: 3, Status: StatusUnreachable, Cause: c, Via: via}
	switch c {
	case cause.NotFound:
		m.Status = StatusNotFound
	case cause.Timeout:
		m.Status = StatusTimeout
	}
	if url != "" {
		m.Attempts = []Attempt{{Source: via, URL: url, Cause: c}}
	}
	return m
}

// TestFailureGroups: failing modules group by status, cause and the host
// where they failed, largest first; passing modules are in none.
func TestFailureGroups(t *testing.T) {
	const proxy, mirror = "https://proxy.example", "https://mirror.example:8443"
	for _, tc := range []struct {
		name string
		mods []Module
		want []string // "cause host count"
	}{
		{"nothing fails", []Module{{Path: "a.test/ok", Status: StatusOK}, {Path: "a.test/skip", Status: StatusSkipped}}, nil},
		{
			"one host down",
			[]Module{
				failing("a.test/1", cause.TCPRefused, proxy, proxy+"/a.test/1/@v/v1.0.0.info"),
				failing("a.test/2", cause.TCPRefused, proxy, proxy+"/a.test/2/@v/v1.0.0.info"),
				{Path: "a.test/ok", Status: StatusOK, Via: proxy},
				failing("a.test/3", cause.TCPRefused, proxy, proxy+"/a.test/3/@v/v1.0.0.info"),
			},
			[]string{"tcp_refused proxy.example:443 3"},
		},
		{
			"the failing request's host, not the route's",
			[]Module{
				failing("a.test/1", cause.NotFound, proxy, proxy+"/a.test/1/@v/v1.0.0.info"),
				failing("a.test/2", cause.TLSUnknownAuthority, proxy, mirror+"/blobs/2.zip"),
				failing("a.test/3", cause.TLSUnknownAuthority, proxy, mirror+"/blobs/3.zip"),
			},
			[]string{"tls_unknown_authority mirror.example:8443 2", "not_found proxy.example:443 1"},
		},
		{
			"routes without a host",
			[]Module{
				failing("a.test/off", cause.NotFound, "off", ""),
				failing("a.test/late", cause.Timeout, "", ""),
				failing("a.test/vcs", cause.HTTPUnauthorized, "direct", ""),
			},
			[]string{"http_unauthorized direct 1", "not_found off 1", "timeout  1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, g := range FailureGroups(&Report{Modules: tc.mods}) {
				got = append(got, fmt.Sprintf("%s %s %d", g.Cause, g.Host, len(g.Modules)))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("groups:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestRenderersShareTheGroups: the summary and the text report show the
// same groups, one row each, with the same counts.
func TestRenderersShareTheGroups(t *testing.T) {
	r := failingHosts(t.TempDir(), 40, "dropped", 3)
	var md, text strings.Builder
	Markdown(&md, r)
	Text(&text, r)
	groups := FailureGroups(r)
	if len(groups) != 3 {
		t.Fatalf("%d groups, want 3", len(groups))
	}
	for _, g := range groups {
		mdRow := fmt.Sprintf("| `%s` %s | %s | %d |", g.Cause, statusWord(g.Status), mdText(g.Host), len(g.Modules))
		if strings.Count(md.String(), mdRow) != 1 {
			t.Errorf("summary has no single row %q", mdRow)
		}
		textRow := regexp.MustCompile(fmt.Sprintf(`(?m)^  %s +%s +%s +%d +`, g.Cause, g.Status, regexp.QuoteMeta(g.Host), len(g.Modules)))
		if n := len(textRow.FindAllString(text.String(), -1)); n != 1 {
			t.Errorf("text has %d rows for group %s %s, want 1:\n%s", n, g.Cause, g.Host, text.String())
		}
	}
}

// TestGateOff: with --fail-on never, the verdict says what was found and
// that the gate is off; no format calls it a pass.
func TestGateOff(t *testing.T) {
	for _, tc := range []struct {
		name    string
		failOn  string
		mark    string
		verdict string
	}{
		{"gate on", FailOnError, "FAIL", "2 of 3 needed module versions cannot be fetched (1 not_found, 1 unreachable)"},
		{"gate off", FailOnNever, "GATE OFF", "2 of 3 needed module versions cannot be fetched (1 not_found, 1 unreachable); the gate is off (--fail-on never)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleReport(t.TempDir())
			r.Gate(tc.failOn)
			if r.Mark() != tc.mark || r.Verdict() != tc.verdict {
				t.Errorf("%s: %s, want %s: %s", r.Mark(), r.Verdict(), tc.mark, tc.verdict)
			}
			var text, gh, md strings.Builder
			Text(&text, r)
			GitHub(&gh, r)
			Markdown(&md, r)
			for name, out := range map[string]string{"text": text.String(), "github": gh.String(), "markdown": md.String()} {
				if strings.Contains(out, "PASS") || strings.Contains(out, "✅") {
					t.Errorf("%s calls a run with failures a pass:\n%s", name, out)
				}
				if !strings.Contains(out, mdOr(name, tc.verdict)) {
					t.Errorf("%s lacks the verdict %q", name, tc.verdict)
				}
			}
		})
	}
	// Off, with nothing found: a plain pass.
	r := &Report{Summary: Summary{Modules: 1, OK: 1}}
	r.Gate(FailOnNever)
	if r.Mark() != "PASS" || r.Verdict() != "the one needed module version can be fetched" {
		t.Errorf("clean run with the gate off: %s: %s", r.Mark(), r.Verdict())
	}
	// Off, with a warning only: say so.
	r.Findings = []Finding{{Severity: SeverityWarning, Cause: cause.MirrorLag}}
	r.Gate(FailOnNever)
	if r.Mark() != "GATE OFF" || !strings.HasSuffix(r.Verdict(), "but 1 warning; the gate is off (--fail-on never)") {
		t.Errorf("warning with the gate off: %s: %s", r.Mark(), r.Verdict())
	}
}

func mdOr(format, s string) string {
	if format == "markdown" {
		return mdText(s)
	}
	return s
}

// TestCandidatesOffTheAllowList: a candidate is measured, not used, so it
// is listed apart, unless the build uses the same host anyway.
func TestCandidatesOffTheAllowList(t *testing.T) {
	r := &Report{Endpoints: []Endpoint{
		{URL: "https://proxy.example", Role: probe.RoleProxy},
		{URL: "https://mirror.example", Role: probe.RoleCandidate},
		{URL: "https://proxy.example/other", Role: probe.RoleCandidate},
		{URL: "https://storage.example", Role: probe.RoleRedirect},
	}}
	if got := strings.Join(AllowList(r), " "); got != "proxy.example:443 storage.example:443" {
		t.Errorf("allow-list %s", got)
	}
	if got := strings.Join(CandidateHosts(r), " "); got != "mirror.example:443" {
		t.Errorf("candidates %s", got)
	}
	var text strings.Builder
	Text(&text, r)
	allow, cands, _ := strings.Cut(text.String(), "Candidates measured, not used by this build (not on the allow-list)\n  mirror.example:443\n")
	if cands == "" || strings.Contains(allow, "mirror.example") {
		t.Errorf("text does not list the candidate apart:\n%s", text.String())
	}
}

// TestLatencyChart: one bar per endpoint that answered, the chart's
// height following their number.
func TestLatencyChart(t *testing.T) {
	for _, n := range []int{1, 4, 12, 30} {
		r := &Report{}
		for i := 0; i < n; i++ {
			r.Endpoints = append(r.Endpoints, Endpoint{URL: fmt.Sprintf("https://h%d.example", i), Role: probe.RoleRedirect, Reachable: true, Requests: 1, Latency: Latency{P50: 1, P95: float64(10 + i)}})
		}
		r.Endpoints = append(r.Endpoints, Endpoint{URL: "https://down.example", Role: probe.RoleProxy, Requests: 3})
		chart := latencyChart(r)
		bars := min(n, 12)
		if got := strings.Count(chart, "\n  bar ["); got != 1 {
			t.Errorf("%d endpoints: %d bar series, want 1", n, got)
		}
		if got := strings.Count(chart[strings.Index(chart, "  bar ["):], ",") + 1; got != bars {
			t.Errorf("%d endpoints: %d bars, want %d", n, got, bars)
		}
		if want := fmt.Sprintf("    height: %d\n", chartHeight(bars)); !strings.Contains(chart, want) {
			t.Errorf("%d endpoints: chart lacks %q:\n%s", n, want, chart)
		}
		if strings.Contains(chart, "down.example") {
			t.Errorf("an endpoint that never answered has a bar")
		}
	}
	if chartHeight(1) > 160 || chartHeight(12) < 400 {
		t.Errorf("heights %d for one bar, %d for twelve", chartHeight(1), chartHeight(12))
	}
}

// TestOneP95PerProxy: a ranked proxy shows the ranking's latency in the
// endpoint table, the chart and the ranking alike.
func TestOneP95PerProxy(t *testing.T) {
	r := sampleReport(t.TempDir())
	r.Ranking[0].Latency = RankLatency{P50: 41, P95: 77} // proxy.example; its endpoint says 38/120
	var md, text strings.Builder
	Markdown(&md, r)
	Text(&text, r)
	for _, want := range []string{"| https&#58;//proxy.example | proxy | yes | 41ms | 77ms |", "| 1 | https&#58;//proxy.example | proxy | yes | 0 | 100% | 41ms | 77ms |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	if strings.Contains(md.String(), "120ms") || strings.Contains(text.String(), "120ms") {
		t.Errorf("the proxy's other p95 (120ms) is shown")
	}
	if !regexp.MustCompile(`"proxy proxy.example"`).MatchString(md.String()) || !strings.Contains(md.String(), "  bar [210, 90, 77, 64]") {
		t.Errorf("chart does not use the ranking's p95:\n%s", md.String())
	}
	if n := strings.Count(text.String(), "77ms"); n != 2 {
		t.Errorf("text shows the proxy's p95 %d times, want 2 (endpoints, ranking):\n%s", n, text.String())
	}
}

// TestGateFailedWithEveryVersionFetched: when every needed version can be
// fetched but the gate fails on findings (a go.mod query the build refuses,
// a mirror serving other bytes, a lagging mirror under --fail-on warning),
// the verdict names what it failed on: errors are never called warnings.
func TestGateFailedWithEveryVersionFetched(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failOn   string
		findings []Finding
		verdict  string
	}{
		{"one error", FailOnError, []Finding{{Severity: SeverityError, Cause: cause.GoModUpdate}},
			"all 2 needed module versions can be fetched; the gate failed on 1 error"},
		{"errors and a warning", FailOnError, []Finding{
			{Severity: SeverityError, Cause: cause.GoModUpdate},
			{Severity: SeverityError, Cause: cause.ChecksumMismatch},
			{Severity: SeverityWarning, Cause: cause.MirrorLag},
		}, "all 2 needed module versions can be fetched; the gate failed on 2 errors"},
		{"a warning under --fail-on warning", FailOnWarning, []Finding{{Severity: SeverityWarning, Cause: cause.MirrorLag}},
			"all 2 needed module versions can be fetched; the gate failed on 1 warning"},
		{"an error and warnings under --fail-on warning", FailOnWarning, []Finding{
			{Severity: SeverityError, Cause: cause.GoModUpdate},
			{Severity: SeverityWarning, Cause: cause.MirrorLag},
			{Severity: SeverityWarning, Cause: cause.MirrorLag},
		}, "all 2 needed module versions can be fetched; the gate failed on 1 error, 2 warnings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Report{Summary: Summary{Modules: 2, OK: 2}, Findings: tc.findings}
			if r.Gate(tc.failOn) {
				t.Fatal("the gate passed")
			}
			if r.Mark() != "FAIL" || r.Verdict() != tc.verdict {
				t.Errorf("%s: %s, want FAIL: %s", r.Mark(), r.Verdict(), tc.verdict)
			}
		})
	}
}
