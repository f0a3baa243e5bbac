package report

import (
	"fmt"
	"strings"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/ghactions"
)

// States of an explained failure: whether a live check reproduces it.
const (
	// StatePersistent: the check fails the same way now.
	StatePersistent = "persistent"
	// StateTransient: the check no longer reproduces it.
	StateTransient = "transient"
	// StateUnknown: the log names nothing the check could probe again (a
	// host no route of this build reaches).
	StateUnknown = "unknown"
)

// Explained is one failure a go command's log names (gopreflight explain,
// gopreflight run), set beside what a live check says now.
type Explained struct {
	// Line is the log line (cleaned, credentials redacted); Source is
	// "file:line" in the log.
	Line   string `json:"line"`
	Source string `json:"source"`
	// Module is path@version (or a path) the line names; Package an import
	// path where it names a package instead.
	Module  string `json:"module"`
	Package string `json:"package,omitempty"`
	Host    string `json:"host"`
	URL     string `json:"url,omitempty"`
	// Phase is the step that failed: dns, connect, tls, forward_proxy,
	// http, checksum, go.sum, lookup, vendor, vcs or toolchain.
	Phase string `json:"phase"`
	// Cause is the live check's cause where it reproduces the failure,
	// else LogCause, the cause the log's words name.
	Cause    cause.Code `json:"cause"`
	LogCause cause.Code `json:"log_cause"`
	State    string     `json:"state"`
	// Detail is what the live check found.
	Detail string `json:"detail"`
}

// explainedText writes the explained failures, first in the text report.
func explainedText(b *errWriter, r *Report) {
	if len(r.Explained) == 0 {
		return
	}
	b.printf("Explained (from the log)\n")
	for _, e := range r.Explained {
		what := e.Module
		if what == "" {
			what = e.Package
		}
		if what == "" {
			what = e.Host
		}
		b.printf("  %s [%s] %s (%s)\n", strings.ToUpper(e.State), e.Cause, oneLine(what), e.Phase)
		b.printf("      %s: %s\n", oneLine(e.Source), oneLine(e.Line))
		if e.Detail != "" {
			b.printf("      now: %s\n", oneLine(e.Detail))
		}
	}
	b.printf("\n")
}

// explainedMarkdown is the job summary's table of explained failures.
func explainedMarkdown(r *Report, max int) string {
	if len(r.Explained) == 0 {
		return ""
	}
	var b strings.Builder
	n := 0
	for _, e := range r.Explained {
		if e.State == StatePersistent {
			n++
		}
	}
	noun := "failures"
	if len(r.Explained) == 1 {
		noun = "failure"
	}
	fmt.Fprintf(&b, "### Explained from the log\n\n%d %s in the log, %d persistent now.\n\n", len(r.Explained), noun, n)
	b.WriteString("| state | cause | module | host | log line | now |\n| --- | --- | --- | --- | --- | --- |\n")
	for i, e := range r.Explained {
		if i == max {
			fmt.Fprintf(&b, "\n_%d more not shown; see the JSON report._\n", len(r.Explained)-max)
			break
		}
		mod := e.Module
		if mod == "" {
			mod = e.Package
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", e.State, mdCode(string(e.Cause)), mdCode(mod), mdCode(e.Host),
			mdCode(clip(e.Line, 300)), mdText(clip(e.Detail, 300)))
	}
	b.WriteString("\n")
	return b.String()
}

// explainedAnnotations annotates each explained failure at the go.mod line
// of the module it names (an error while it persists, a warning once
// transient) and returns the modules so annotated.
func explainedAnnotations(r *Report, rel func(string) string, where map[string]Module) ([]ghactions.Annotation, map[string]bool) {
	var out []ghactions.Annotation
	done := map[string]bool{}
	for _, e := range r.Explained {
		level := ghactions.Error
		if e.State == StateTransient {
			level = ghactions.Warning
		}
		an := ghactions.Annotation{Level: level,
			Title:   oneLine(fmt.Sprintf("%s: %s (%s)", nonEmpty(e.Module, e.Package, e.Host, "go command")[0], e.Cause, e.State)),
			Message: strings.Join(nonEmpty(e.Source+": "+e.Line, e.Detail), "\n")}
		if m, ok := goModLine(r, where, e.Module); ok {
			an.File, an.Line, an.Col = rel(m.File), m.Line, m.Column
		}
		if e.Module != "" {
			done[e.Module] = true // the module's own annotation would say it again
		}
		out = append(out, an)
	}
	return out, done
}

// goModLine is the require the explained module is at: the same version,
// else the same path (a `go get` of another version), in a go.mod of the
// user's.
func goModLine(r *Report, where map[string]Module, id string) (Module, bool) {
	if m, ok := where[id]; ok && m.File != "" {
		return m, true
	}
	path, _, _ := strings.Cut(id, "@")
	for _, m := range r.Modules {
		if m.Path == path && path != "" && m.File != "" {
			return m, true
		}
	}
	return Module{}, false
}
