// Package verdict turns what the engine (package checks) found into what
// a person reads: findings with their severity, cause and advice, the
// ranking of the proxies measured, the recommended GOPROXY and the
// summary. It sends no request: everything comes from a checks.Result.
package verdict

import (
	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/checks"
	"github.com/gopreflight/gopreflight/probe"
)

// Severity is how much a finding matters: an error fails the gate at
// --fail-on error, a warning at --fail-on warning, a notice never.
type Severity string

// Severities of findings.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityNotice  Severity = "notice"
)

// Verdict is everything the verdict concludes from one run.
type Verdict struct {
	// Modules and Endpoints are the engine's rows; Endpoints is empty
	// when the build contacts nothing.
	Modules        []checks.Module
	Endpoints      []checks.Endpoint
	Findings       []Finding
	Ranking        []Rank
	Recommendation Recommendation
	Summary        Summary
}

// result is a finished run with the verdict's rules as methods.
type result struct{ *checks.Result }

// RankLatency summarises a proxy's request durations in milliseconds.
type RankLatency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
}

// Finding is a conclusion a person reads first.
type Finding struct {
	Severity  Severity   `json:"severity"`
	Cause     cause.Code `json:"cause"`
	Title     string     `json:"title"`
	Detail    string     `json:"detail"`
	Advice    string     `json:"advice"`
	Endpoints []string   `json:"endpoints"`
	Modules   []string   `json:"modules"`
	// Fix is a copy-paste block (environment lines) where one applies.
	Fix string `json:"fix,omitempty"`
}

// Recommendation is the GOPROXY that would have served this build best.
type Recommendation struct {
	GOPROXY string `json:"goproxy"`
	Reason  string `json:"reason"`
}

// Rank is one proxy's row in the ranking.
type Rank struct {
	URL          string      `json:"url"`
	Role         probe.Role  `json:"role"`
	Rank         int         `json:"rank"`
	Complete     bool        `json:"complete"`
	Missing      []string    `json:"missing"`
	SuccessRatio float64     `json:"success_ratio"`
	Latency      RankLatency `json:"latency_ms"`
	SumDBProxied bool        `json:"sumdb_proxied"`
}

// Summary counts modules by status.
type Summary struct {
	Modules          int  `json:"modules"`
	OK               int  `json:"ok"`
	NotFound         int  `json:"not_found"`
	Unreachable      int  `json:"unreachable"`
	ChecksumMismatch int  `json:"checksum_mismatch"`
	MissingSum       int  `json:"missing_sum"`
	Timeout          int  `json:"timeout"`
	Skipped          int  `json:"skipped"`
	Passed           bool `json:"passed"`
	// Cached counts the ok versions the module cache served (via "cache").
	Cached int `json:"cached"`
	// NotChecked counts the skipped versions the run's deadline left on a
	// route that was answering slowly: neither fetched nor failed.
	NotChecked int `json:"not_checked"`
}

// Count returns the summary's count for a status.
func (s Summary) Count(status checks.Status) int {
	switch status {
	case checks.StatusOK:
		return s.OK
	case checks.StatusNotFound:
		return s.NotFound
	case checks.StatusUnreachable:
		return s.Unreachable
	case checks.StatusChecksumMismatch:
		return s.ChecksumMismatch
	case checks.StatusMissingSum:
		return s.MissingSum
	case checks.StatusTimeout:
		return s.Timeout
	case checks.StatusSkipped:
		return s.Skipped
	}
	return 0
}
