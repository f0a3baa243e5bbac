package checks

import (
	"math"
	"sort"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/probe"
	"github.com/gopreflight/gopreflight/report"
	"github.com/gopreflight/gopreflight/textguard"
	"github.com/gopreflight/gopreflight/workspace"
)

// Report condenses a finished run into the report model.
func (res *Result) Report(toolVersion string, started time.Time, wss []*workspace.Workspace) *report.Report {
	rep := &report.Report{
		Schema:      report.Schema,
		ToolVersion: toolVersion,
		Started:     started.UTC().Truncate(time.Millisecond),
		Env:         envReport(res.Config.Env),
		Modules:     []report.Module{},
		Endpoints:   []report.Endpoint{},
		Findings:    []report.Finding{},
		Ranking:     []report.Rank{},
	}
	vendored := map[string]bool{}
	for _, v := range res.Plan.Vendored {
		vendored[v] = true
	}
	for _, ws := range wss {
		for _, m := range ws.Modules {
			rep.Inputs = append(rep.Inputs, report.Input{
				File: m.File, Module: m.Path, Go: m.Go, Toolchain: m.Toolchain,
				Vendored: vendored[ws.Root],
			})
		}
	}
	for i, t := range res.Plan.Targets {
		rep.Modules = append(rep.Modules, moduleReport(t, res.Outcomes[i]))
	}
	rep.Summary = summarize(rep.Modules)
	eps := res.Config.Client.Endpoints.List()
	rep.Endpoints = endpointsReport(eps)
	if rep.Summary.Modules == rep.Summary.Skipped {
		// The build contacts nothing (vendor mode, all replaced or
		// ignored): no host belongs on its allow-list.
		rep.Endpoints = []report.Endpoint{}
	}
	rep.Checksums = res.Checksums
	rep.Findings = append(rep.Findings, res.findings(rep, eps)...)
	rep.Findings = append(rep.Findings, res.inputFindings()...)
	rep.Findings = append(rep.Findings, res.sumFindings()...)
	res.rankReport(rep) // adds its findings and sorts all, most severe first
	// Servers, go.mod files and the environment supplied much of the
	// text above: redact every credential the run knows (echoes of them
	// too), escape control characters and bound lengths, once, here. URL
	// userinfo was redacted where each URL entered; the advice's own
	// USER:PASSWORD placeholders stay.
	env := res.Config.Env
	secrets := textguard.NewRedactor(env.KnownSecrets(env.Netrc(), res.Config.Candidates...))
	report.Sanitize(rep, secrets.Redact)
	rep.DurationMS = time.Since(started).Milliseconds()
	return rep
}

func envReport(e *goenv.Env) map[string]string {
	m := map[string]string{}
	for _, k := range []string{"GOPROXY", "GONOPROXY", "GOPRIVATE", "GONOSUMDB", "GOSUMDB", "GOFLAGS", "GOINSECURE", "GOTOOLCHAIN"} {
		m[k] = goenv.Redact(e.Lookup(k))
	}
	for _, k := range []string{"https_proxy", "http_proxy", "no_proxy"} {
		v := e.Getenv(k)
		if v == "" {
			v = e.Getenv(upper(k))
		}
		m[k] = goenv.RedactProxy(v)
	}
	return m
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func moduleReport(t *plan.Target, o outcome) report.Module {
	m := report.Module{
		Path: t.Module.Path, Version: t.Module.Version,
		File: t.Pos.File, Line: t.Pos.Line, Column: t.Pos.Col,
		Indirect: t.Indirect, Need: t.Need,
		Status: o.status, Cause: o.cause, Via: o.via,
		DurationMS: o.duration.Milliseconds(), Detail: o.detail,
		Attempts: o.attempts,
	}
	if m.Attempts == nil {
		m.Attempts = []report.Attempt{}
	}
	if at := o.sum.at; at != nil {
		// A go.sum line that differs from the database is reported there.
		m.File, m.Line, m.Column = at.File, at.Line, at.Col
	}
	if t.Required != nil && m.Detail == "" {
		m.Detail = "replaces " + t.Required.Path + "@" + t.Required.Version
	}
	return m
}

func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*10) / 10
}

func endpointsReport(list []probe.Endpoint) []report.Endpoint {
	out := make([]report.Endpoint, 0, len(list))
	for _, ep := range list {
		out = append(out, endpointReport(ep))
	}
	return out
}

// endpointReport condenses what the run's requests and the endpoint's
// phase-by-phase diagnosis showed. The requests decide where they got an
// answer; where they got none, the diagnosis names the phase that failed,
// which is more precise than a request's end-to-end error.
func endpointReport(ep probe.Endpoint) report.Endpoint {
	failures := 0
	for _, n := range ep.Failures {
		failures += n
	}
	e := report.Endpoint{
		URL: ep.Origin, Role: ep.Role, Host: ep.Host,
		Addresses: ep.Addresses, Reachable: ep.Answered,
		Cause: cause.OK, Detail: ep.LastDetail,
		Phases:   report.Phases{DNS: ms(ep.DNS), Connect: ms(ep.Connect), TLS: ms(ep.TLSTime), TTFB: ms(ep.TTFB)},
		Latency:  report.Latency{P50: ms(probe.Quantile(ep.Latencies, 0.5)), P95: ms(probe.Quantile(ep.Latencies, 0.95)), Max: ms(probe.Quantile(ep.Latencies, 1))},
		Requests: ep.Requests, Failures: failures, Via: ep.Via,
	}
	if failures > 0 {
		e.FailureCauses = ep.Failures
	}
	d := ep.Diagnosis
	if d != nil {
		if len(d.Addresses) > 0 {
			e.Addresses = d.Addresses // every A and AAAA answer
		}
		if e.Via == "" {
			e.Via = d.Via
		}
		if ep.Connect == 0 {
			e.Phases = report.Phases{DNS: ms(d.DNS), Connect: ms(d.Connect), TLS: ms(d.TLSTime), TTFB: ms(d.TTFB)}
		}
	}
	if e.Addresses == nil {
		e.Addresses = []string{}
	}
	tlsInfo := ep.TLS
	if tlsInfo == nil && d != nil {
		tlsInfo = d.TLS
	}
	if tlsInfo != nil {
		e.TLS = &report.TLS{Version: tlsInfo.Version, Issuer: tlsInfo.Issuer, Subject: tlsInfo.Subject, Trusted: tlsInfo.Trusted}
	}
	switch {
	case ep.Requests == 0:
		e.Detail = "not contacted by the build's requests"
		if d != nil {
			e.Reachable = d.Cause == cause.OK
			if d.Cause != cause.OK {
				e.Cause, e.Detail = d.Cause, d.Detail
			}
		}
	case !ep.Answered:
		e.Cause = ep.LastCause
		if d != nil && beforeHTTP(d.Cause) && !passedBy(d.Cause, ep.LastCause) {
			e.Cause, e.Detail = d.Cause, d.Detail
		}
	case failures > 0:
		// Reachable but some answers failed: name the commonest cause.
		e.Cause = commonest(ep.Failures)
	default:
		e.Detail = ""
	}
	return e
}

// beforeHTTP says whether c fails a phase before the HTTP exchange: the
// resolver, the connection, the forward proxy or TLS.
func beforeHTTP(c cause.Code) bool {
	switch c {
	case cause.OK, cause.HTTPUnauthorized, cause.HTTPForbidden, cause.BlockPage, cause.RateLimited,
		cause.ServerError, cause.BadResponse, cause.Timeout, cause.NotFound:
		return false
	}
	return true
}

// passedBy says whether diag, the probe's failure, is a deadline that
// expired in a phase the run's own requests got past (they failed later,
// with run): on a slow path the probe's connection just ran out of time
// there, and the run's cause is the one that happened.
func passedBy(diag, run cause.Code) bool {
	switch diag {
	case cause.DNSTimeout, cause.TCPTimeout, cause.TLSTimeout:
		return phaseOf(diag) < phaseOf(run)
	}
	return false
}

// phaseOf orders causes by the phase they happen in: the resolver, the
// connection, TLS, then the HTTP exchange.
func phaseOf(c cause.Code) int {
	switch c {
	case cause.DNSNXDomain, cause.DNSTimeout, cause.DNSFailure:
		return 0
	case cause.DNSBogon, cause.TCPRefused, cause.TCPTimeout, cause.TCPUnreachable, cause.ProxyUnreachable:
		return 1
	case cause.TLSReset, cause.TLSTimeout, cause.TLSUnknownAuthority, cause.TLSHostnameMismatch,
		cause.TLSExpired, cause.TLSPlaintext, cause.TLSFailure:
		return 2
	}
	return 3
}

func commonest(m map[cause.Code]int) cause.Code {
	keys := make([]cause.Code, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if len(keys) == 0 {
		return cause.OK
	}
	return keys[0]
}

// summarize counts module versions, each once: a version several inputs
// need (two PATHs, two modules of a go.work) has a row per input, judged
// by that input's go.sum, and counts with its worst status.
func summarize(mods []report.Module) report.Summary {
	worst := map[string]report.Module{}
	var order []string
	for _, m := range mods {
		id := m.ID()
		prev, ok := worst[id]
		if !ok {
			order = append(order, id)
		}
		if !ok || statusRank(m.Status) > statusRank(prev.Status) {
			worst[id] = m
		}
	}
	s := report.Summary{Modules: len(order)}
	for _, id := range order {
		m := worst[id]
		switch m.Status {
		case report.StatusOK:
			s.OK++
		case report.StatusNotFound:
			s.NotFound++
		case report.StatusUnreachable:
			s.Unreachable++
		case report.StatusChecksumMismatch:
			s.ChecksumMismatch++
		case report.StatusMissingSum:
			s.MissingSum++
		case report.StatusTimeout:
			s.Timeout++
		case report.StatusSkipped:
			s.Skipped++
			if m.Cause == cause.Timeout {
				s.NotChecked++
			}
		}
		if m.Status == report.StatusOK && m.Via == ViaCache {
			s.Cached++
		}
	}
	return s
}

// statusRank orders statuses from the least to the most serious, for
// summarize: a version skipped by one input and fetched by another is
// fetched, and one failure anywhere fails it.
func statusRank(s string) int {
	switch s {
	case report.StatusSkipped:
		return 0
	case report.StatusOK:
		return 1
	case report.StatusMissingSum:
		return 2
	case report.StatusTimeout:
		return 3
	case report.StatusUnreachable:
		return 4
	case report.StatusNotFound:
		return 5
	}
	return 6 // checksum_mismatch
}
