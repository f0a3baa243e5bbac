package report

import (
	"fmt"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/probe"
)

// sampleReport is a realistic failing run: two modules that cannot be
// fetched (one missing, one behind a TLS-intercepting middlebox), a
// lagging candidate, several endpoints.
func sampleReport(dir string) *Report {
	gomod := dir + "/go.mod"
	r := &Report{
		Schema: Schema, ToolVersion: "v1.0.0-test", Started: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), DurationMS: 2140,
		Inputs: []Input{{File: gomod, Module: "example.test/app", Go: "1.22", Toolchain: "go1.22.4"}},
		Env:    map[string]string{"GOPROXY": "https://proxy.example,direct", "GOSUMDB": "sum.example", "GOPRIVATE": "corp.example"},
		Modules: []Module{
			{Path: "example.test/good", Version: "v1.4.0", File: gomod, Line: 6, Column: 2, Need: "zip", Status: StatusOK, Cause: cause.OK, Via: "https://proxy.example", DurationMS: 41},
			{Path: "example.test/typo", Version: "v1.9.9", File: gomod, Line: 7, Column: 2, Need: "zip", Status: StatusNotFound, Cause: cause.NotFound, Via: "https://proxy.example", DurationMS: 55,
				Detail:   "proxy.example: 404 Not Found: not found: example.test/typo@v1.9.9: invalid version: unknown revision v1.9.9",
				Attempts: []Attempt{{Source: "https://proxy.example", URL: "https://proxy.example/example.test/typo/@v/v1.9.9.info", StatusCode: 404, Cause: cause.NotFound, Detail: "not found"}}},
			{Path: "corp.example/lib", Version: "v0.3.1", File: gomod, Line: 9, Column: 2, Need: "zip", Status: StatusUnreachable, Cause: cause.TLSUnknownAuthority, Via: "direct", DurationMS: 312,
				Detail: "git.corp.example:443: x509: certificate signed by unknown authority (issuer CN=Corp Inspection CA)"},
			{Path: "example.test/local", Version: "v0.0.0", File: gomod, Line: 12, Column: 2, Need: "zip", Status: StatusSkipped, Detail: "local replace"},
		},
		Endpoints: []Endpoint{
			{URL: "https://proxy.example", Role: probe.RoleProxy, Host: "proxy.example", Reachable: true, Cause: cause.OK, Latency: Latency{P50: 38, P95: 120, Max: 140}, Requests: 9},
			{URL: "https://mirror.example", Role: probe.RoleCandidate, Host: "mirror.example", Reachable: true, Cause: cause.OK, Latency: Latency{P50: 21, P95: 64}, Requests: 9},
			{URL: "https://sum.example", Role: probe.RoleSumDB, Host: "sum.example", Reachable: true, Cause: cause.OK, Latency: Latency{P50: 55, P95: 90}, Requests: 3},
			{URL: "https://git.corp.example", Role: probe.RoleVCS, Host: "git.corp.example", Reachable: false, Cause: cause.TLSUnknownAuthority, Detail: "issuer CN=Corp Inspection CA", Requests: 3, Failures: 3},
			{URL: "https://storage.example", Role: probe.RoleRedirect, Host: "storage.example", Reachable: true, Cause: cause.OK, Latency: Latency{P50: 80, P95: 210}, Requests: 2},
		},
		Findings: []Finding{
			{Severity: SeverityError, Cause: cause.TLSUnknownAuthority, Title: "1 module version unreachable via direct: tls_unknown_authority",
				Detail: "A middlebox presented a certificate from Corp Inspection CA.", Advice: "Trust the corporate CA (SSL_CERT_FILE or --ca-file), or reach the repository through a proxy.",
				Endpoints: []string{"https://git.corp.example"}, Modules: []string{"corp.example/lib@v0.3.1"}, Fix: "SSL_CERT_FILE=/etc/ssl/certs/corp-ca.pem\nGOPRIVATE=corp.example\nGONOSUMDB=corp.example"},
			{Severity: SeverityError, Cause: cause.NotFound, Title: "1 module version not found on https://proxy.example",
				Detail: "The proxy answered 404/410: the version does not exist there.", Advice: "Check the version in go.mod (a typo, a deleted tag, or a private module that needs GOPRIVATE).",
				Endpoints: []string{"https://proxy.example"}, Modules: []string{"example.test/typo@v1.9.9"}},
			{Severity: SeverityWarning, Cause: cause.MirrorLag, Title: "https://mirror.example lacks 1 needed version", Detail: "The candidate is stale.",
				Advice: "Do not put it first in GOPROXY.", Endpoints: []string{"https://mirror.example"}, Modules: []string{"example.test/good@v1.4.0"}},
		},
		Recommendation: Recommendation{GOPROXY: "https://proxy.example,direct", Reason: "the only complete proxy; direct kept for GOPRIVATE modules"},
		Ranking: []Rank{
			{URL: "https://proxy.example", Role: probe.RoleProxy, Rank: 1, Complete: true, SuccessRatio: 1, Latency: RankLatency{P50: 38, P95: 120}, Missing: []string{}},
			{URL: "https://mirror.example", Role: probe.RoleCandidate, Rank: 2, Complete: false, SuccessRatio: 0.9, Latency: RankLatency{P50: 21, P95: 64}, Missing: []string{"example.test/good@v1.4.0"}},
		},
		Summary: Summary{Modules: 4, OK: 1, NotFound: 1, Unreachable: 1, Skipped: 1},
	}
	r.Gate(FailOnError)
	return r
}

// manyFailures is a report with n modules that cannot be fetched, each
// with a finding, for caps and size limits.
func manyFailures(dir string, n int, detail string) *Report {
	r := &Report{Schema: Schema, Env: map[string]string{}}
	for i := 0; i < n; i++ {
		m := Module{Path: fmt.Sprintf("example.test/m%05d", i), Version: "v1.0.0", File: dir + "/go.mod", Line: 5 + i, Column: 2,
			Status: StatusNotFound, Cause: cause.NotFound, Via: "https://proxy.example", Detail: detail}
		r.Modules = append(r.Modules, m)
		r.Endpoints = append(r.Endpoints, Endpoint{URL: fmt.Sprintf("https://h%05d.example", i), Role: probe.RoleRedirect, Reachable: true, Requests: 1, Latency: Latency{P50: float64(i), P95: float64(i)}})
	}
	r.Summary = Summary{Modules: n, NotFound: n}
	r.Findings = []Finding{{Severity: SeverityError, Cause: cause.NotFound, Title: "not found", Modules: func() (ids []string) {
		for _, m := range r.Modules {
			ids = append(ids, m.ID())
		}
		return
	}()}}
	r.Gate(FailOnError)
	return r
}

// failingHosts is a report with n modules that cannot be fetched from
// hosts different hosts, each with its own finding and endpoint: from one
// host down to a finding per module.
func failingHosts(dir string, n int, detail string, hosts int) *Report {
	r := &Report{Schema: Schema, Env: map[string]string{}}
	byHost := map[int][]string{}
	for i := 0; i < n; i++ {
		h := i % hosts
		u := fmt.Sprintf("https://h%05d.example", h)
		m := Module{Path: fmt.Sprintf("example.test/m%05d", i), Version: "v1.0.0", File: dir + "/go.mod", Line: 5 + i, Column: 2,
			Status: StatusUnreachable, Cause: cause.TCPTimeout, Via: u, Detail: detail,
			Attempts: []Attempt{{Source: u, URL: u + "/example.test/m/@v/v1.0.0.info", Cause: cause.TCPTimeout, Detail: detail}}}
		r.Modules = append(r.Modules, m)
		byHost[h] = append(byHost[h], m.ID())
	}
	for h := 0; h < hosts; h++ {
		u := fmt.Sprintf("https://h%05d.example", h)
		r.Endpoints = append(r.Endpoints, Endpoint{URL: u, Role: probe.RoleProxy, Reachable: h%2 == 0, Cause: cause.OK, Requests: 1, Latency: Latency{P50: float64(h), P95: float64(h)}})
		r.Findings = append(r.Findings, Finding{Severity: SeverityError, Cause: cause.TCPTimeout, Title: fmt.Sprintf("%d module versions cannot be fetched: h%05d.example:443 drops connections", len(byHost[h]), h),
			Detail: detail, Advice: detail, Endpoints: []string{u}, Modules: byHost[h]})
	}
	r.Summary = Summary{Modules: n, Unreachable: n}
	r.Gate(FailOnError)
	return r
}
