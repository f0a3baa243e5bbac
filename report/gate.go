package report

import (
	"fmt"
	"strings"
)

// Fail-on levels.
const (
	FailOnError   = "error"
	FailOnWarning = "warning"
	FailOnNever   = "never"
)

// Gate decides whether the run passed at the given --fail-on level and
// records it in the summary. It is the one place that decides.
func (r *Report) Gate(failOn string) bool {
	passed := true
	for _, f := range r.Findings {
		switch failOn {
		case FailOnError:
			passed = passed && f.Severity != SeverityError
		case FailOnWarning:
			passed = passed && f.Severity != SeverityError && f.Severity != SeverityWarning
		}
	}
	r.Summary.Passed = passed
	r.failOn = failOn
	return passed
}

// GateOff says whether the gate was off (--fail-on never) while there
// were errors it would otherwise have failed on: the verdict then says
// what was found and that the gate is off, never "PASS".
func (r *Report) GateOff() bool {
	if r.failOn != FailOnNever {
		return false
	}
	for _, f := range r.Findings {
		if f.Severity == SeverityError || f.Severity == SeverityWarning {
			return true
		}
	}
	return r.failed() > 0
}

// Mark is the verdict's one word: PASS, FAIL, or GATE OFF when
// --fail-on never let errors or warnings through.
func (r *Report) Mark() string {
	switch {
	case r.GateOff():
		return "GATE OFF"
	case r.Summary.Passed && len(r.Explained) > 0:
		// The log's failures exit 1 (contract §1), reproduced or not.
		return "FAIL"
	case r.Summary.Passed:
		return "PASS"
	}
	return "FAIL"
}

func (r *Report) failed() int {
	s := r.Summary
	return s.NotFound + s.Unreachable + s.ChecksumMismatch + s.MissingSum + s.Timeout
}

// Verdict is the one-line summary every format opens or closes with.
func (r *Report) Verdict() string {
	v := r.verdict()
	if n := len(r.Explained); n > 0 && r.Summary.Passed && r.allTransient() {
		// Everything checks out now: the log's failures were transient.
		v = fmt.Sprintf("the log's %s no longer reproduce%s (transient: a retry should pass); now %s", plural(n, "failure"), map[bool]string{true: "s"}[n == 1], v)
	}
	if n := r.Summary.Cached; n > 0 {
		v += fmt.Sprintf("; %s served from the module cache", versions(n))
	}
	if r.GateOff() {
		if r.failed() == 0 {
			v += ", but " + r.findingCounts()
		}
		v += "; the gate is off (--fail-on never)"
	}
	return v
}

func (r *Report) allTransient() bool {
	for _, e := range r.Explained {
		if e.State != StateTransient {
			return false
		}
	}
	return true
}

func (r *Report) verdict() string {
	s := r.Summary
	need := s.Modules - s.Skipped + s.NotChecked
	if s.Modules == 0 {
		for _, f := range r.Findings {
			if f.Severity == SeverityError && f.Title != "" {
				// Nothing was checked because of it: the deadline came
				// before the inputs were read.
				return "nothing checked: " + strings.ToLower(f.Title[:1]) + f.Title[1:]
			}
		}
		return "nothing to fetch: no module requirements"
	}
	failed := r.failed()
	if need == 0 {
		for _, in := range r.Inputs {
			if in.Vendored {
				return fmt.Sprintf("vendor mode: the build downloads nothing (%s skipped; give --depth to check the routes anyway)", versions(s.Skipped))
			}
		}
		return fmt.Sprintf("nothing to fetch: %s, all skipped", versions(s.Skipped))
	}
	if failed == 0 && s.NotChecked > 0 {
		return fmt.Sprintf("%d of %d needed module versions can be fetched; %d not checked before the deadline on a slow route", need-s.NotChecked, need, s.NotChecked)
	}
	if failed == 0 {
		msg := fmt.Sprintf("all %d needed module versions can be fetched", need)
		if need == 1 {
			msg = "the one needed module version can be fetched"
		}
		if s.Skipped > 0 {
			msg += fmt.Sprintf(" (%d skipped)", s.Skipped)
		}
		if !s.Passed {
			msg += "; the gate failed on " + r.gatingCounts()
		}
		return msg
	}
	if need == 1 {
		return fmt.Sprintf("the one needed module version cannot be fetched (%s)", r.failureCounts())
	}
	return fmt.Sprintf("%d of %d needed module versions cannot be fetched (%s)", failed, need, r.failureCounts())
}

// findingCounts is "2 errors, 1 warning".
func (r *Report) findingCounts() string {
	return r.countFindings(SeverityError, SeverityWarning)
}

// gatingCounts counts the findings of the levels the gate failed on:
// errors, and warnings too under --fail-on warning.
func (r *Report) gatingCounts() string {
	if r.failOn == FailOnWarning {
		return r.countFindings(SeverityError, SeverityWarning)
	}
	return r.countFindings(SeverityError)
}

// countFindings is "2 errors, 1 warning" for the given severities.
func (r *Report) countFindings(severities ...Severity) string {
	n := map[Severity]int{}
	for _, f := range r.Findings {
		n[f.Severity]++
	}
	var parts []string
	for _, sev := range severities {
		switch n[sev] {
		case 0:
		case 1:
			parts = append(parts, "1 "+string(sev))
		default:
			parts = append(parts, fmt.Sprintf("%d %ss", n[sev], sev))
		}
	}
	return strings.Join(parts, ", ")
}

func (r *Report) failureCounts() string {
	var parts []string
	for _, st := range Statuses {
		if st == StatusOK || st == StatusSkipped {
			continue
		}
		if n := r.Summary.Count(st); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	return strings.Join(parts, ", ")
}

func versions(n int) string {
	if n == 1 {
		return "1 module version"
	}
	return fmt.Sprintf("%d module versions", n)
}
