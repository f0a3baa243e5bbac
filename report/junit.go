package report

import (
	"github.com/gopreflight/gopreflight/textguard"

	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit writes JUnit XML, as GitLab, Jenkins and most CI test views read
// it: one test case per module version, failed when it cannot be fetched,
// skipped when it need not be.
func JUnit(w io.Writer, r *Report) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	type skipped struct {
		Message string `xml:"message,attr"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		File      string   `xml:"file,attr,omitempty"`
		Line      int      `xml:"line,attr,omitempty"`
		Time      string   `xml:"time,attr"`
		Failure   *failure `xml:"failure,omitempty"`
		Skipped   *skipped `xml:"skipped,omitempty"`
	}
	type testsuite struct {
		Name      string     `xml:"name,attr"`
		Tests     int        `xml:"tests,attr"`
		Failures  int        `xml:"failures,attr"`
		Errors    int        `xml:"errors,attr"`
		Skipped   int        `xml:"skipped,attr"`
		Time      string     `xml:"time,attr"`
		Timestamp string     `xml:"timestamp,attr"`
		Cases     []testcase `xml:"testcase"`
	}
	type testsuites struct {
		XMLName  xml.Name    `xml:"testsuites"`
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Time     string      `xml:"time,attr"`
		Suites   []testsuite `xml:"testsuite"`
	}
	suite := testsuite{Name: "gopreflight", Time: seconds(r.DurationMS), Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05")}
	findingOf, rel := findingsByModule(r), relFiles("")
	for _, m := range r.Modules {
		tc := testcase{Name: m.ID(), Classname: "gopreflight." + rel(m.File), File: rel(m.File), Line: m.Line, Time: seconds(m.DurationMS)}
		switch {
		case Failed(m.Status):
			suite.Failures++
			text := []string{fmt.Sprintf("%s:%d:%d: %s: %s", rel(m.File), m.Line, m.Column, m.ID(), m.Status)}
			if m.Detail != "" {
				text = append(text, m.Detail)
			}
			if f := findingOf[m.ID()]; f != nil && f.Advice != "" {
				text = append(text, "fix: "+f.Advice)
			}
			for _, a := range m.Attempts {
				text = append(text, fmt.Sprintf("%s %s: %d %s %s", a.Source, a.URL, a.StatusCode, a.Cause, oneLine(a.Detail)))
			}
			tc.Failure = &failure{Message: fmt.Sprintf("%s: %s", m.Status, m.Cause), Type: string(m.Cause), Text: textguard.Clip(strings.Join(text, "\n"), MaxMessage)}
		case m.Status == StatusSkipped:
			suite.Skipped++
			tc.Skipped = &skipped{Message: textguard.Clip(oneLine(m.Detail), MaxMessage)}
		}
		suite.Cases = append(suite.Cases, tc)
	}
	for _, f := range r.Findings {
		// An error about no module (the deadline came before the inputs
		// were read) fails the gate: it is a failing case of its own.
		if f.Severity == SeverityError && len(f.Modules) == 0 {
			text := nonEmpty(f.Detail)
			if f.Advice != "" {
				text = append(text, "fix: "+f.Advice)
			}
			suite.Failures++
			suite.Cases = append(suite.Cases, testcase{Name: f.Title, Classname: "gopreflight.findings",
				Failure: &failure{Message: string(f.Cause), Type: string(f.Cause), Text: textguard.Clip(strings.Join(text, "\n"), MaxMessage)}})
		}
	}
	suite.Tests = len(suite.Cases)
	doc := testsuites{Name: "gopreflight", Tests: suite.Tests, Failures: suite.Failures, Time: suite.Time, Suites: []testsuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(ms int64) string { return fmt.Sprintf("%.3f", float64(ms)/1000) }
