package report

import (
	"github.com/gopreflight/gopreflight/textguard"

	"io"
	"net/url"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// SARIF writes SARIF 2.1.0 for code scanning: one rule per cause code, one
// result per module that cannot be fetched, located at its go.mod (or
// go.sum) line, and one per warning or notice finding.
func SARIF(w io.Writer, r *Report) error {
	type region struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
	}
	type physical struct {
		ArtifactLocation artifact `json:"artifactLocation"`
		Region           *region  `json:"region,omitempty"`
	}
	type location struct {
		PhysicalLocation physical `json:"physicalLocation"`
	}
	type message struct {
		Text string `json:"text"`
	}
	type result struct {
		RuleID              string            `json:"ruleId"`
		Level               string            `json:"level"`
		Message             message           `json:"message"`
		Locations           []location        `json:"locations,omitempty"`
		PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	}
	type rule struct {
		ID               string  `json:"id"`
		Name             string  `json:"name"`
		ShortDescription message `json:"shortDescription"`
	}

	rules := map[string]bool{}
	var results []result
	rel := relFiles("")
	loc := func(file string, line, col int) []location {
		if file == "" {
			return nil
		}
		l := location{PhysicalLocation: physical{ArtifactLocation: fileURI(rel(file))}}
		if line > 0 {
			l.PhysicalLocation.Region = &region{StartLine: line, StartColumn: col}
		}
		return []location{l}
	}
	where := map[string]Module{}
	findingOf := findingsByModule(r)
	for _, m := range r.Modules {
		where[m.ID()] = m
		if !Failed(m.Status) {
			continue
		}
		rules[string(m.Cause)] = true
		text := m.ID() + ": " + string(m.Status)
		if f := findingOf[m.ID()]; f != nil {
			text += ". " + oneLine(strings.Join(nonEmpty(f.Detail, f.Advice), " "))
		} else if m.Detail != "" {
			text += ". " + oneLine(m.Detail)
		}
		results = append(results, result{
			RuleID: string(m.Cause), Level: "error", Message: message{textguard.Clip(text, MaxMessage)},
			Locations:           loc(m.File, m.Line, m.Column),
			PartialFingerprints: map[string]string{"module": m.ID()},
		})
	}
	for _, f := range r.Findings {
		if f.Severity == SeverityError && len(f.Modules) > 0 {
			continue // shown on each of its modules
		}
		rules[string(f.Cause)] = true
		res := result{RuleID: string(f.Cause), Level: sarifLevel(f.Severity),
			Message: message{textguard.Clip(oneLine(strings.Join(nonEmpty(f.Title+".", f.Detail, f.Advice), " ")), MaxMessage)}}
		for _, id := range f.Modules {
			if m, ok := where[id]; ok {
				res.Locations = loc(m.File, m.Line, m.Column)
				break
			}
		}
		results = append(results, res)
	}
	var ruleList []rule
	for id := range rules {
		ruleList = append(ruleList, rule{ID: id, Name: id, ShortDescription: message{"gopreflight cause " + id}})
	}
	sort.Slice(ruleList, func(i, j int) bool { return ruleList[i].ID < ruleList[j].ID })
	if results == nil {
		results = []result{}
	}
	if ruleList == nil {
		ruleList = []rule{}
	}
	doc := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []any{map[string]any{
			"tool": map[string]any{"driver": map[string]any{
				"name": "gopreflight", "version": r.ToolVersion,
				"informationUri": "https://github.com/gopreflight/gopreflight",
				"rules":          ruleList,
			}},
			"results": results,
		}},
	}
	return writeIndented(w, doc)
}

type artifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

// fileURI is a SARIF artifact location: a relative URI reference against
// the source root, or a file: URI for a file outside it.
func fileURI(p string) artifact {
	if path.IsAbs(p) || filepath.IsAbs(p) {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p // C:/x -> /C:/x
		}
		return artifact{URI: (&url.URL{Scheme: "file", Path: p}).String()}
	}
	return artifact{URI: (&url.URL{Path: p}).EscapedPath(), URIBaseID: "%SRCROOT%"}
}

func sarifLevel(severity Severity) string {
	switch severity {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	}
	return "note"
}
