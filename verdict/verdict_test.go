package verdict

import (
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/checks"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/probe"
	"github.com/gopreflight/gopreflight/workspace"
)

// The verdict's rules (contract §5 and §6) are tested here on engine
// results built by hand: no request is sent, so every branch of the
// rules can be reached, including those a loopback server cannot stage.

const (
	proxyA = "https://a.example"
	proxyB = "https://b.example"
	proxyC = "https://c.example"
)

// target is a module version the build needs as a zip.
func target(id string) *plan.Target {
	path, version, _ := strings.Cut(id, "@")
	return &plan.Target{Module: module.Version{Path: path, Version: version}, Need: plan.NeedZip,
		Pos: workspace.Pos{File: "go.mod", Line: 3, Col: 2}}
}

// runOf is a finished run with GOPROXY goproxy, one outcome per target.
func runOf(t *testing.T, goproxy string, ts []*plan.Target, outs []checks.Outcome) *checks.Result {
	t.Helper()
	proxies, err := goenv.ParseProxyList(goproxy)
	if err != nil {
		t.Fatal(err)
	}
	return &checks.Result{
		Plan:     &plan.Plan{Targets: ts},
		Outcomes: outs,
		Config:   checks.Config{Env: &goenv.Env{GOPROXY: goproxy, Getenv: func(string) string { return "" }}, Proxies: proxies},
		Measured: &checks.Measurement{},
	}
}

func ok(via string) checks.Outcome {
	return checks.Outcome{Status: checks.StatusOK, Cause: cause.OK, Via: via}
}

func failed(st checks.Status, c cause.Code, via string) checks.Outcome {
	o := checks.Outcome{Status: st, Cause: c, Via: via, Detail: "detail of " + string(c)}
	if via != goenv.Off && via != "" {
		o.Attempts = []checks.Attempt{{Source: via, URL: via + "/example.test/m/@v/v1.0.0.info", Cause: c}}
	}
	return o
}

func cached(cold checks.Outcome) checks.Outcome {
	o := ok(checks.ViaCache)
	o.Cold = &cold
	return o
}

// endpoint is a proxy host every request to which failed with c.
func endpoint(origin string, c cause.Code) probe.Endpoint {
	return probe.Endpoint{Origin: origin, Host: strings.TrimPrefix(origin, "https://"), Role: probe.RoleProxy,
		Requests: 1, Failures: map[cause.Code]int{c: 1}, LastCause: c}
}

// TestModuleFindings: a failing module's finding has the severity its
// route gives it: an error when the build's own route fails, a warning
// when only a cold cache would fail, a notice when the cache serves it
// behind GOPROXY=off; nothing for a module that is ok.
func TestModuleFindings(t *testing.T) {
	for _, tc := range []struct {
		name      string
		goproxy   string
		outcome   checks.Outcome
		endpoints []probe.Endpoint
		offline   bool
		severity  Severity
		cause     cause.Code
		title     string
		named     []string // endpoints the finding names
	}{
		{name: "ok", goproxy: proxyA, outcome: ok(proxyA)},
		{name: "cached, route ok", goproxy: proxyA, outcome: cached(ok(proxyA))},
		{name: "not found on the proxy", goproxy: proxyA, outcome: failed(checks.StatusNotFound, cause.NotFound, proxyA),
			severity: SeverityError, cause: cause.NotFound, title: "not found on " + proxyA, named: []string{proxyA}},
		{name: "refused by the proxy host", goproxy: proxyA, outcome: failed(checks.StatusUnreachable, cause.TCPRefused, proxyA),
			endpoints: []probe.Endpoint{endpoint(proxyA, cause.TCPRefused)},
			severity:  SeverityError, cause: cause.TCPRefused, title: "connections to a.example:443 are refused", named: []string{proxyA}},
		{name: "timeout on the proxy", goproxy: proxyA, outcome: failed(checks.StatusTimeout, cause.Timeout, proxyA),
			endpoints: []probe.Endpoint{endpoint(proxyA, cause.Timeout)},
			severity:  SeverityError, cause: cause.Timeout, title: "does not answer in time", named: []string{proxyA}},
		{name: "never asked before the deadline", goproxy: proxyA, outcome: failed(checks.StatusTimeout, cause.Timeout, ""),
			severity: SeverityError, cause: cause.Timeout, title: "not asked before the run's deadline", named: []string{}},
		{name: "GOPROXY=off", goproxy: goenv.Off, outcome: failed(checks.StatusUnreachable, cause.NotFound, goenv.Off),
			severity: SeverityError, cause: cause.NotFound, title: "GOPROXY=off: example.test/m@v1.0.0 is not in the module cache", named: []string{}},
		{name: "offline", goproxy: goenv.Off, offline: true, outcome: failed(checks.StatusUnreachable, cause.NotFound, goenv.Off),
			severity: SeverityError, cause: cause.NotFound, title: "cannot work offline", named: []string{}},
		{name: "cached, route refused", goproxy: proxyA, outcome: cached(failed(checks.StatusUnreachable, cause.TCPRefused, proxyA)),
			endpoints: []probe.Endpoint{endpoint(proxyA, cause.TCPRefused)},
			severity:  SeverityWarning, cause: cause.TCPRefused, title: "served from the module cache; a cold cache would fail", named: []string{proxyA}},
		{name: "cached, not found on the route", goproxy: proxyA, outcome: cached(failed(checks.StatusNotFound, cause.NotFound, proxyA)),
			severity: SeverityWarning, cause: cause.NotFound, title: "a cold cache would fail", named: []string{proxyA}},
		{name: "cached behind GOPROXY=off", goproxy: goenv.Off, outcome: cached(failed(checks.StatusUnreachable, cause.NotFound, goenv.Off)),
			severity: SeverityNotice, cause: cause.NotFound, title: "with GOPROXY=off a cold cache could not fetch it", named: []string{}},
		{name: "missing go.sum line", goproxy: proxyA, outcome: failed(checks.StatusMissingSum, cause.MissingSum, proxyA),
			severity: SeverityError, cause: cause.MissingSum, title: "missing from go.sum", named: []string{}},
		{name: "mirror serves other bytes", goproxy: proxyA,
			outcome:  checks.Outcome{Status: checks.StatusChecksumMismatch, Cause: cause.ChecksumMismatch, Via: proxyA, Sum: checks.SumCheck{Kind: checks.MismatchMirror}},
			severity: SeverityError, cause: cause.ChecksumMismatch, title: "mirror " + proxyA + " serves bytes that do not match go.sum", named: []string{proxyA}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runOf(t, tc.goproxy, []*plan.Target{target("example.test/m@v1.0.0")}, []checks.Outcome{tc.outcome})
			res.Endpoints = tc.endpoints
			res.Config.Offline = tc.offline
			v := Build(res)
			if tc.severity == "" {
				if len(v.Findings) != 0 {
					t.Fatalf("findings %+v, want none", v.Findings)
				}
				return
			}
			if len(v.Findings) != 1 {
				t.Fatalf("%d findings %+v, want 1", len(v.Findings), v.Findings)
			}
			f := v.Findings[0]
			if f.Severity != tc.severity || f.Cause != tc.cause || !strings.Contains(f.Title, tc.title) {
				t.Errorf("got %s %s %q, want %s %s containing %q", f.Severity, f.Cause, f.Title, tc.severity, tc.cause, tc.title)
			}
			if !slices.Equal(f.Endpoints, tc.named) || !slices.Equal(f.Modules, []string{"example.test/m@v1.0.0"}) {
				t.Errorf("endpoints %q modules %q, want %q and the module", f.Endpoints, f.Modules, tc.named)
			}
		})
	}
}

// measured is a proxy's answers for the sampled targets: one cause and
// one latency per target.
func measured(url string, role probe.Role, latency time.Duration, causes ...cause.Code) *checks.ProxyRun {
	p := &checks.ProxyRun{URL: url, Role: role}
	for _, c := range causes {
		p.Mods = append(p.Mods, checks.PairResult{Measured: true, Cause: c, Durations: []time.Duration{latency}})
	}
	return p
}

// down is a proxy that could not be reached at all.
func down(url string, role probe.Role, c cause.Code, n int) *checks.ProxyRun {
	p := &checks.ProxyRun{URL: url, Role: role, Down: c}
	for range n {
		p.Mods = append(p.Mods, checks.PairResult{Measured: true, Cause: c})
	}
	return p
}

// TestRecommendation: the recommended GOPROXY puts complete proxies
// first, fastest first, joined by '|'; never an incomplete proxy before a
// complete one; drops unreachable proxies; keeps direct after the
// separator the original list had; chains incomplete proxies that
// together are complete; and recommends nothing, with a finding, when no
// chain would fetch every module.
func TestRecommendation(t *testing.T) {
	const x, y = "example.test/x@v1.0.0", "example.test/y@v1.0.0"
	ms := time.Millisecond
	for _, tc := range []struct {
		name     string
		goproxy  string
		outcomes []checks.Outcome // for x and y
		proxies  []*checks.ProxyRun
		want     string
		ranking  []string // URLs in rank order
		complete []bool
		reason   []string
		finding  bool // a "No GOPROXY value" finding
	}{
		{
			name: "complete proxies, fastest first, '|' between, direct after ','", goproxy: proxyA + "," + proxyB + ",direct",
			outcomes: []checks.Outcome{ok(proxyA), ok(proxyA)},
			proxies:  []*checks.ProxyRun{measured(proxyA, probe.RoleProxy, 80*ms, cause.OK, cause.OK), measured(proxyB, probe.RoleProxy, 20*ms, cause.OK, cause.OK)},
			want:     proxyB + "|" + proxyA + ",direct", ranking: []string{proxyB, proxyA}, complete: []bool{true, true},
			reason: []string{proxyB + " is the fastest proxy", "'|' after it", "direct kept last after ','"},
		},
		{
			name: "direct after '|' stays after '|'", goproxy: proxyA + "|direct",
			outcomes: []checks.Outcome{ok(proxyA), ok(proxyA)},
			proxies:  []*checks.ProxyRun{measured(proxyA, probe.RoleProxy, 20*ms, cause.OK, cause.OK)},
			want:     proxyA + "|direct", ranking: []string{proxyA}, complete: []bool{true},
			reason: []string{"direct kept last after '|'", "this is your GOPROXY already"},
		},
		{
			name: "an incomplete proxy never before a complete one, however fast", goproxy: proxyA + "," + proxyB,
			outcomes: []checks.Outcome{ok(proxyA), ok(proxyB)},
			proxies:  []*checks.ProxyRun{measured(proxyA, probe.RoleProxy, 5*ms, cause.OK, cause.NotFound), measured(proxyB, probe.RoleProxy, 90*ms, cause.OK, cause.OK)},
			want:     proxyB, ranking: []string{proxyB, proxyA}, complete: []bool{true, false},
			reason: []string{proxyA + " (missing 1 needed version)"},
		},
		{
			name: "an unreachable proxy is dropped", goproxy: proxyA + "|" + proxyB + ",direct",
			outcomes: []checks.Outcome{ok(proxyB), ok(proxyB)},
			proxies:  []*checks.ProxyRun{down(proxyA, probe.RoleProxy, cause.TCPRefused, 2), measured(proxyB, probe.RoleProxy, 30*ms, cause.OK, cause.OK)},
			want:     proxyB + ",direct", ranking: []string{proxyB, proxyA}, complete: []bool{true, false},
			reason: []string{proxyA + " (unreachable: tcp_refused)"},
		},
		{
			name: "a candidate that is complete and faster comes first", goproxy: proxyA + ",direct",
			outcomes: []checks.Outcome{ok(proxyA), ok(proxyA)},
			proxies:  []*checks.ProxyRun{measured(proxyA, probe.RoleProxy, 70*ms, cause.OK, cause.OK), measured(proxyC, probe.RoleCandidate, 10*ms, cause.OK, cause.OK)},
			want:     proxyC + "|" + proxyA + ",direct", ranking: []string{proxyC, proxyA}, complete: []bool{true, true},
		},
		{
			name: "incomplete proxies that together are complete are chained with '|'", goproxy: proxyA + "," + proxyB,
			outcomes: []checks.Outcome{ok(proxyA), ok(proxyB)},
			proxies:  []*checks.ProxyRun{measured(proxyA, probe.RoleProxy, 40*ms, cause.OK, cause.NotFound), measured(proxyB, probe.RoleProxy, 10*ms, cause.NotFound, cause.OK)},
			want:     proxyB + "|" + proxyA, ranking: []string{proxyB, proxyA}, complete: []bool{false, false},
			reason: []string{"chained with '|', fastest first"},
		},
		{
			name: "direct serves what no proxy has: direct is kept", goproxy: proxyA + ",direct",
			outcomes: []checks.Outcome{ok(goenv.Direct), ok(goenv.Direct)},
			proxies:  []*checks.ProxyRun{measured(proxyA, probe.RoleProxy, 10*ms, cause.NotFound, cause.NotFound)},
			want:     "direct", ranking: []string{proxyA}, complete: []bool{false},
			reason: []string{"no proxy serves the versions this build needs, but direct does"},
		},
		{
			name: "nothing serves y: no recommendation, and a finding says so", goproxy: proxyA + "," + proxyB,
			outcomes: []checks.Outcome{ok(proxyA), failed(checks.StatusNotFound, cause.NotFound, proxyB)},
			proxies:  []*checks.ProxyRun{measured(proxyA, probe.RoleProxy, 10*ms, cause.OK, cause.NotFound), measured(proxyB, probe.RoleProxy, 20*ms, cause.OK, cause.NotFound)},
			want:     "", ranking: []string{proxyA, proxyB}, complete: []bool{false, false},
			reason: []string{"no proxy, alone or chained, has every needed version"}, finding: true,
		},
		{
			name: "one proxy lacking y: no recommendation, the module finding says it", goproxy: proxyA,
			outcomes: []checks.Outcome{ok(proxyA), failed(checks.StatusNotFound, cause.NotFound, proxyA)},
			proxies:  []*checks.ProxyRun{measured(proxyA, probe.RoleProxy, 10*ms, cause.OK, cause.NotFound)},
			want:     "", ranking: []string{proxyA}, complete: []bool{false},
			reason: []string{"no proxy, alone or chained, has every needed version"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runOf(t, tc.goproxy, []*plan.Target{target(x), target(y)}, tc.outcomes)
			for i, p := range tc.proxies {
				p.Pos = i
			}
			res.Measured = &checks.Measurement{Sample: []int{0, 1}, Proxies: tc.proxies}
			v := Build(res)
			if v.Recommendation.GOPROXY != tc.want {
				t.Errorf("GOPROXY %q, want %q (reason: %s)", v.Recommendation.GOPROXY, tc.want, v.Recommendation.Reason)
			}
			for _, r := range tc.reason {
				if !strings.Contains(v.Recommendation.Reason, r) {
					t.Errorf("reason %q lacks %q", v.Recommendation.Reason, r)
				}
			}
			var urls []string
			var complete []bool
			for i, r := range v.Ranking {
				urls = append(urls, r.URL)
				complete = append(complete, r.Complete)
				if r.Rank != i+1 {
					t.Errorf("row %d has rank %d", i, r.Rank)
				}
			}
			if !slices.Equal(urls, tc.ranking) || !slices.Equal(complete, tc.complete) {
				t.Errorf("ranking %q complete %v, want %q %v", urls, complete, tc.ranking, tc.complete)
			}
			found := false
			for _, f := range v.Findings {
				if strings.HasPrefix(f.Title, "No GOPROXY value would fetch every module") {
					found = true
					if f.Severity != SeverityWarning || !slices.Equal(f.Modules, []string{y}) {
						t.Errorf("finding %s %q modules %q, want a warning naming %s", f.Severity, f.Title, f.Modules, y)
					}
				}
			}
			if found != tc.finding {
				t.Errorf("no-recommendation finding: %v, want %v (%+v)", found, tc.finding, v.Findings)
			}
		})
	}
}

// TestMirrorLag: a GOPROXY entry that lacks versions other proxies have
// is a warning (the build uses it), a lagging candidate a notice that
// never fails the gate; both name the proxy and the versions.
func TestMirrorLag(t *testing.T) {
	const x = "example.test/x@v1.0.0"
	for _, tc := range []struct {
		role     probe.Role
		severity Severity
	}{
		{probe.RoleProxy, SeverityWarning},
		{probe.RoleCandidate, SeverityNotice},
	} {
		t.Run(string(tc.role), func(t *testing.T) {
			res := runOf(t, proxyB, []*plan.Target{target(x)}, []checks.Outcome{ok(proxyB)})
			lagging := measured(proxyA, tc.role, time.Millisecond, cause.OK)
			lagging.Lag = []checks.Lagged{{ID: "example.test/x@v1.1.0", Others: []string{proxyB}}}
			res.Measured = &checks.Measurement{Sample: []int{0}, Proxies: []*checks.ProxyRun{measured(proxyB, probe.RoleProxy, time.Millisecond, cause.OK), lagging}}
			v := Build(res)
			var lags []Finding
			for _, f := range v.Findings {
				if f.Cause == cause.MirrorLag {
					lags = append(lags, f)
				}
			}
			if len(lags) != 1 {
				t.Fatalf("mirror_lag findings %+v, want 1", lags)
			}
			f := lags[0]
			if f.Severity != tc.severity || !slices.Equal(f.Endpoints, []string{proxyA}) || !slices.Equal(f.Modules, []string{"example.test/x@v1.1.0"}) {
				t.Errorf("got %s %q %q, want %s naming %s and example.test/x@v1.1.0", f.Severity, f.Endpoints, f.Modules, tc.severity, proxyA)
			}
		})
	}
}

// TestFindingsSorted: findings come most severe first, whichever rule
// built them, and keep their order within a severity.
func TestFindingsSorted(t *testing.T) {
	ts := []*plan.Target{target("example.test/a@v1.0.0"), target("example.test/b@v1.0.0"), target("example.test/c@v1.0.0")}
	outs := []checks.Outcome{
		cached(failed(checks.StatusUnreachable, cause.TCPRefused, proxyA)),  // warning
		failed(checks.StatusNotFound, cause.NotFound, proxyA),               // error
		cached(failed(checks.StatusUnreachable, cause.NotFound, goenv.Off)), // notice
	}
	res := runOf(t, proxyA, ts, outs)
	res.Endpoints = []probe.Endpoint{endpoint(proxyA, cause.TCPRefused)}
	lagging := measured(proxyC, probe.RoleCandidate, time.Millisecond, cause.OK, cause.NotFound, cause.OK)
	lagging.Lag = []checks.Lagged{{ID: "example.test/c@v1.1.0", Others: []string{proxyA}}}
	res.Measured = &checks.Measurement{Sample: []int{0, 1, 2}, Proxies: []*checks.ProxyRun{lagging}}
	v := Build(res)
	var got []Severity
	for _, f := range v.Findings {
		got = append(got, f.Severity)
	}
	if !slices.IsSortedFunc(got, func(a, b Severity) int { return sevRank(b) - sevRank(a) }) || len(got) < 4 {
		t.Errorf("severities %v, want at least 4, most severe first", got)
	}
	if got[0] != SeverityError || got[len(got)-1] != SeverityNotice {
		t.Errorf("severities %v, want an error first and a notice last", got)
	}
}
