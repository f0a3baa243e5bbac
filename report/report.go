// Package report holds gopreflight's one result model, the JSON report of
// contract §6, and the renderers that turn it into text, JSON and the
// other output formats. Renderers only read a Report; they never probe.
package report

import (
	"time"

	"github.com/gopreflight/gopreflight/checks"
	"github.com/gopreflight/gopreflight/verdict"
)

// Schema names the JSON report's version.
const Schema = "gopreflight/v1"

// The report's rows are the types of the packages that produce them:
// module statuses, attempts, endpoints and checksums are the engine's
// (package checks); severities, findings, the ranking, the
// recommendation and the summary are the verdict's (package verdict).
type (
	Status         = checks.Status
	Module         = checks.Module
	Attempt        = checks.Attempt
	Endpoint       = checks.Endpoint
	TLS            = checks.TLS
	Phases         = checks.Phases
	Latency        = checks.Latency
	SumDBState     = checks.SumDBState
	Checksums      = checks.Checksums
	Severity       = verdict.Severity
	Finding        = verdict.Finding
	Rank           = verdict.Rank
	RankLatency    = verdict.RankLatency
	Recommendation = verdict.Recommendation
	Summary        = verdict.Summary
)

// Module statuses (contract §3).
const (
	StatusOK               = checks.StatusOK
	StatusNotFound         = checks.StatusNotFound
	StatusUnreachable      = checks.StatusUnreachable
	StatusChecksumMismatch = checks.StatusChecksumMismatch
	StatusMissingSum       = checks.StatusMissingSum
	StatusTimeout          = checks.StatusTimeout
	StatusSkipped          = checks.StatusSkipped
)

// Statuses lists every module status in report order.
var Statuses = checks.Statuses

// Severities of findings.
const (
	SeverityError   = verdict.SeverityError
	SeverityWarning = verdict.SeverityWarning
	SeverityNotice  = verdict.SeverityNotice
)

// Checksum database states (contract §4).
const (
	SumDBVerified    = checks.SumDBVerified
	SumDBUnavailable = checks.SumDBUnavailable
	SumDBSecurity    = checks.SumDBSecurity
	SumDBOff         = checks.SumDBOff
	SumDBNotUsed     = checks.SumDBNotUsed
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
