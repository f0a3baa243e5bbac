package checks

import (
	"fmt"
	"math"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/probe"
)

// The engine's results as rows of the report: module statuses, the
// requests made, the endpoints and how go.sum was verified. Package
// report renders them under the same names.

// Status is a module version's status (contract §3).
type Status string

// Module statuses (contract §3).
const (
	StatusOK               Status = "ok"
	StatusNotFound         Status = "not_found"
	StatusUnreachable      Status = "unreachable"
	StatusChecksumMismatch Status = "checksum_mismatch"
	StatusMissingSum       Status = "missing_sum"
	StatusTimeout          Status = "timeout"
	StatusSkipped          Status = "skipped"
)

// Statuses lists every module status in report order.
var Statuses = []Status{StatusOK, StatusNotFound, StatusUnreachable, StatusChecksumMismatch, StatusMissingSum, StatusTimeout, StatusSkipped}

// Module is the row of one module version the build needs: where it is
// required, and what the engine found for it.
type Module struct {
	Path       string     `json:"path"`
	Version    string     `json:"version"`
	File       string     `json:"file"`
	Line       int        `json:"line"`
	Column     int        `json:"column"`
	Indirect   bool       `json:"indirect"`
	Need       string     `json:"need"` // "zip" or "mod"
	Status     Status     `json:"status"`
	Cause      cause.Code `json:"cause"`
	Via        string     `json:"via"`
	DurationMS int64      `json:"duration_ms"`
	Detail     string     `json:"detail"`
	Attempts   []Attempt  `json:"attempts"`
}

// Attempt is one request (with its retries) made for a module.
type Attempt struct {
	Source     string     `json:"source"`
	URL        string     `json:"url"`
	StatusCode int        `json:"status_code"`
	Cause      cause.Code `json:"cause"`
	Detail     string     `json:"detail"`
	DurationMS int64      `json:"duration_ms"`
	Retries    int        `json:"retries"`
}

// Endpoint is one host the build contacts, with what probing it showed.
type Endpoint struct {
	URL       string     `json:"url"`
	Role      probe.Role `json:"role"`
	Host      string     `json:"host"`
	Addresses []string   `json:"addresses"`
	Reachable bool       `json:"reachable"`
	Cause     cause.Code `json:"cause"`
	Detail    string     `json:"detail"`
	TLS       *TLS       `json:"tls"`
	Phases    Phases     `json:"phases_ms"`
	Latency   Latency    `json:"latency_ms"`
	Requests  int        `json:"requests"`
	Failures  int        `json:"failures"`
	// FailureCauses splits Failures by cause.
	FailureCauses map[cause.Code]int `json:"failure_causes,omitempty"`
	// Via names the forward proxy the endpoint was reached through.
	Via string `json:"via,omitempty"`
}

// TLS describes the handshake with an endpoint.
type TLS struct {
	Version string `json:"version"`
	Issuer  string `json:"issuer"`
	Subject string `json:"subject"`
	Trusted bool   `json:"trusted"`
}

// Phases are the durations of the first connection to an endpoint, in
// milliseconds.
type Phases struct {
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	TLS     float64 `json:"tls"`
	TTFB    float64 `json:"ttfb"`
}

// Latency summarises an endpoint's request durations in milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	Max float64 `json:"max"`
}

// ID is "path@version".
func (m Module) ID() string { return m.Path + "@" + m.Version }

// Where is "file:line", or "-" for a version only a go command's log
// named (gopreflight explain).
func (m Module) Where() string {
	if m.File == "" {
		return "-"
	}
	return fmt.Sprintf("%s:%d", m.File, m.Line)
}

// SumDBState is how the checksum database served the run (contract §4,
// §6 checksums.status).
type SumDBState string

// Checksum database states.
const (
	SumDBVerified    SumDBState = "verified"       // every looked-up line answered and verified
	SumDBUnavailable SumDBState = "unavailable"    // could not be reached, or declined
	SumDBSecurity    SumDBState = "security_error" // answered, but the answer does not verify
	SumDBOff         SumDBState = "off"            // GOSUMDB=off or --checksums=false
	SumDBNotUsed     SumDBState = "not_used"       // nothing to look up (all exempt or skipped)
)

// Checksums says how go.sum was verified: against the checksum database
// (contract §4) and against the bytes each mirror served.
type Checksums struct {
	// Database is the GOSUMDB name; URL where it was reached (redacted),
	// Via the GOPROXY entry that proxies it ("" when direct).
	Database string `json:"database"`
	URL      string `json:"url"`
	Via      string `json:"via"`
	// Status is one of the SumDB* states; Cause and Detail say why it is
	// not verified.
	Status SumDBState `json:"status"`
	Cause  cause.Code `json:"cause"`
	Detail string     `json:"detail"`
	// Counts of module versions.
	Verified   int `json:"verified"`   // the database confirmed go.sum and the mirror
	Mismatched int `json:"mismatched"` // checksum_mismatch
	Unknown    int `json:"unknown"`    // the database does not know them (404/410)
	Exempt     int `json:"exempt"`     // GONOSUMDB / GOPRIVATE
	MissingSum int `json:"missing_sum"`
	// MirrorHashed counts the module versions whose served bytes (.mod,
	// and the zip at --depth full) were hashed and compared.
	MirrorHashed int `json:"mirror_hashed"`
}

// ModuleOf is the row of target t, given what the engine found for it.
func ModuleOf(t *plan.Target, o Outcome) Module {
	m := Module{
		Path: t.Module.Path, Version: t.Module.Version,
		File: t.Pos.File, Line: t.Pos.Line, Column: t.Pos.Col,
		Indirect: t.Indirect, Need: t.Need,
		Status: o.Status, Cause: o.Cause, Via: o.Via,
		DurationMS: o.Duration.Milliseconds(), Detail: o.Detail,
		Attempts: o.Attempts,
	}
	if m.Attempts == nil {
		m.Attempts = []Attempt{}
	}
	if at := o.Sum.At; at != nil {
		// A go.sum line that differs from the database is reported there.
		m.File, m.Line, m.Column = at.File, at.Line, at.Col
	}
	if t.Required != nil && m.Detail == "" {
		m.Detail = "replaces " + t.Required.Path + "@" + t.Required.Version
	}
	return m
}

// Millis is a duration in milliseconds, rounded to a tenth.
func Millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*10) / 10
}

// EndpointsOf condenses the endpoints a run saw into report rows.
func EndpointsOf(list []probe.Endpoint) []Endpoint {
	out := make([]Endpoint, 0, len(list))
	for _, ep := range list {
		out = append(out, endpointOf(ep))
	}
	return out
}

// endpointReport condenses what the run's requests and the endpoint's
// phase-by-phase diagnosis showed. The requests decide where they got an
// answer; where they got none, the diagnosis names the phase that failed,
// which is more precise than a request's end-to-end error.
func endpointOf(ep probe.Endpoint) Endpoint {
	failures := 0
	for _, n := range ep.Failures {
		failures += n
	}
	e := Endpoint{
		URL: ep.Origin, Role: ep.Role, Host: ep.Host,
		Addresses: ep.Addresses, Reachable: ep.Answered,
		Cause: cause.OK, Detail: ep.LastDetail,
		Phases:   Phases{DNS: Millis(ep.DNS), Connect: Millis(ep.Connect), TLS: Millis(ep.TLSTime), TTFB: Millis(ep.TTFB)},
		Latency:  Latency{P50: Millis(probe.Quantile(ep.Latencies, 0.5)), P95: Millis(probe.Quantile(ep.Latencies, 0.95)), Max: Millis(probe.Quantile(ep.Latencies, 1))},
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
			e.Phases = Phases{DNS: Millis(d.DNS), Connect: Millis(d.Connect), TLS: Millis(d.TLSTime), TTFB: Millis(d.TTFB)}
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
		e.TLS = &TLS{Version: tlsInfo.Version, Issuer: tlsInfo.Issuer, Subject: tlsInfo.Subject, Trusted: tlsInfo.Trusted}
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
		if d != nil && cause.BeforeHTTP(d.Cause) && !passedBy(d.Cause, ep.LastCause) {
			e.Cause, e.Detail = d.Cause, d.Detail
		}
	case failures > 0:
		// Reachable but some answers failed: name the commonest cause.
		e.Cause = cause.Commonest(ep.Failures)
	default:
		e.Detail = ""
	}
	return e
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
