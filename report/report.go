// Package report holds gopreflight's one result model, the JSON report of
// contract §6, and the renderers that turn it into text, JSON and the
// other output formats. Renderers only read a Report; they never probe.
package report

import (
	"fmt"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/probe"
)

// Schema names the JSON report's version.
const Schema = "gopreflight/v1"

// Module statuses (contract §3).
const (
	StatusOK               = "ok"
	StatusNotFound         = "not_found"
	StatusUnreachable      = "unreachable"
	StatusChecksumMismatch = "checksum_mismatch"
	StatusMissingSum       = "missing_sum"
	StatusTimeout          = "timeout"
	StatusSkipped          = "skipped"
)

// Statuses lists every module status in report order.
var Statuses = []string{StatusOK, StatusNotFound, StatusUnreachable, StatusChecksumMismatch, StatusMissingSum, StatusTimeout, StatusSkipped}

// Severities of findings.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityNotice  = "notice"
)

// Report is the whole result of one run.
type Report struct {
	Schema         string            `json:"schema"`
	ToolVersion    string            `json:"tool_version"`
	Version        *Build            `json:"version,omitempty"`
	Started        time.Time         `json:"started"`
	DurationMS     int64             `json:"duration_ms"`
	Inputs         []Input           `json:"inputs"`
	Env            map[string]string `json:"env"`
	Modules        []Module          `json:"modules"`
	Endpoints      []Endpoint        `json:"endpoints"`
	Findings       []Finding         `json:"findings"`
	Recommendation Recommendation    `json:"recommendation"`
	Ranking        []Rank            `json:"ranking"`
	Summary        Summary           `json:"summary"`
	Checksums      Checksums         `json:"checksums"`
	// Explained lists the failures a go command's log names (gopreflight
	// explain and run only).
	Explained []Explained `json:"explained,omitempty"`

	// failOn is the --fail-on level Gate applied, for the verdict.
	failOn string
}

// Input is one go.mod (a go.work contributes one per used module).
type Input struct {
	File      string `json:"file"`
	Module    string `json:"module"`
	Go        string `json:"go"`
	Toolchain string `json:"toolchain"`
	// Vendored: the build uses vendor/ and downloads nothing.
	Vendored bool `json:"vendored,omitempty"`
}

// Module is the verdict for one module version the build needs.
type Module struct {
	Path       string     `json:"path"`
	Version    string     `json:"version"`
	File       string     `json:"file"`
	Line       int        `json:"line"`
	Column     int        `json:"column"`
	Indirect   bool       `json:"indirect"`
	Need       string     `json:"need"` // "zip" or "mod"
	Status     string     `json:"status"`
	Cause      cause.Code `json:"cause"`
	Via        string     `json:"via"`
	DurationMS int64      `json:"duration_ms"`
	Detail     string     `json:"detail"`
	Attempts   []Attempt  `json:"attempts"`
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

// RankLatency summarises a proxy's request durations in milliseconds.
type RankLatency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
}

// Finding is a conclusion a person reads first.
type Finding struct {
	Severity  string     `json:"severity"`
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
func (s Summary) Count(status string) int {
	switch status {
	case StatusOK:
		return s.OK
	case StatusNotFound:
		return s.NotFound
	case StatusUnreachable:
		return s.Unreachable
	case StatusChecksumMismatch:
		return s.ChecksumMismatch
	case StatusMissingSum:
		return s.MissingSum
	case StatusTimeout:
		return s.Timeout
	case StatusSkipped:
		return s.Skipped
	}
	return 0
}
