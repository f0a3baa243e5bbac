package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopreflight/gopreflight/ghactions"
)

// MaxAnnotations is how many annotations of one level GitHub shows for a
// step; it drops the rest silently. The last shown one summarises the rest.
const MaxAnnotations = 10

// GitHubOptions tune the github format.
type GitHubOptions struct {
	// Workspace is GITHUB_WORKSPACE: annotation paths are made relative to
	// it. Empty means the current directory.
	Workspace string
	// NoAnnotations leaves annotations out (the action's annotations: false).
	NoAnnotations bool
}

// GitHub writes the report for a GitHub Actions step log: the text report
// folded in a group (with workflow commands stopped, so that server text
// in it cannot issue any), then one annotation per failing module at its
// go.mod or go.sum line and one per other finding, capped as GitHub caps
// them, then the verdict.
func GitHub(w io.Writer, r *Report) error { return GitHubWith(w, r, GitHubOptions{}) }

// GitHubWith is GitHub with options.
func GitHubWith(w io.Writer, r *Report, opts GitHubOptions) error {
	ew := &errWriter{w: w}
	gh := ghactions.New(ew, func(string) string { return "" })
	var textErr error
	gh.Group("gopreflight report", func() {
		textErr = gh.StopCommands(func() { textErr = Capped(Text)(ew, r) })
	})
	if textErr != nil {
		return textErr
	}
	if !opts.NoAnnotations {
		for _, an := range Annotations(r, opts.Workspace) {
			gh.Annotate(an)
		}
	}
	ew.printf("gopreflight %s: %s\n", r.Mark(), oneLine(r.Verdict()))
	return ew.err
}

// Annotations returns the annotations for a report, at most MaxAnnotations
// per level: an error for each module that cannot be fetched, located at
// its require (or go.sum line), and one for each finding not already shown
// on a module, at the first module it names.
func Annotations(r *Report, workspace string) []ghactions.Annotation {
	byLevel := map[ghactions.Level][]ghactions.Annotation{}
	annotated := map[string]bool{}
	where := map[string]Module{}
	for _, m := range r.Modules {
		where[m.ID()] = m
	}
	rel := relFiles(workspace)
	explained, done := explainedAnnotations(r, rel, where)
	for _, an := range explained {
		byLevel[an.Level] = append(byLevel[an.Level], an)
	}
	for id := range done {
		annotated[id] = true
	}
	findingOf := findingsByModule(r)
	for _, m := range r.Modules {
		if !Failed(m.Status) || done[m.ID()] {
			continue
		}
		annotated[m.ID()] = true
		msg := m.Detail
		if f := findingOf[m.ID()]; f != nil && f.Advice != "" {
			msg = strings.TrimSpace(msg + "\n" + f.Advice)
		}
		if msg == "" {
			msg = string(m.Status)
		}
		title := fmt.Sprintf("%s: %s", m.ID(), m.Cause)
		if m.Via == "off" {
			// GOPROXY=off: the cause code stays not_found (contract §5),
			// but "not found" would send the reader to the proxy.
			title = fmt.Sprintf("%s: %s", m.ID(), m.Detail)
		}
		byLevel[ghactions.Error] = append(byLevel[ghactions.Error], ghactions.Annotation{
			Level: ghactions.Error, File: rel(m.File), Line: m.Line, Col: m.Column,
			Title: title, Message: msg,
		})
	}
	for _, f := range r.Findings {
		level := ghactions.Notice
		switch f.Severity {
		case SeverityError:
			level = ghactions.Error
		case SeverityWarning:
			level = ghactions.Warning
		}
		if level == ghactions.Error && allAnnotated(f.Modules, annotated) {
			continue
		}
		an := ghactions.Annotation{Level: level, Title: fmt.Sprintf("%s: %s", f.Cause, oneLine(f.Title)),
			Message: strings.TrimSpace(strings.Join(nonEmpty(f.Detail, f.Advice, f.Fix), "\n"))}
		if an.Message == "" {
			an.Message = oneLine(f.Title)
		}
		for _, id := range f.Modules {
			if m, ok := where[id]; ok && m.File != "" {
				an.File, an.Line, an.Col = rel(m.File), m.Line, m.Column
				break
			}
		}
		byLevel[level] = append(byLevel[level], an)
	}
	var out []ghactions.Annotation
	for _, level := range []ghactions.Level{ghactions.Error, ghactions.Warning, ghactions.Notice} {
		out = append(out, capAnnotations(level, byLevel[level])...)
	}
	return out
}

// capAnnotations keeps the first MaxAnnotations-1 and folds the rest into
// one, so that nothing disappears without a word.
func capAnnotations(level ghactions.Level, ans []ghactions.Annotation) []ghactions.Annotation {
	if len(ans) <= MaxAnnotations {
		return ans
	}
	keep, rest := ans[:MaxAnnotations-1], ans[MaxAnnotations-1:]
	var lines []string
	for _, an := range rest {
		loc := ""
		if an.File != "" {
			loc = fmt.Sprintf(" (%s:%d)", an.File, an.Line)
		}
		lines = append(lines, an.Title+loc)
	}
	return append(keep[:len(keep):len(keep)], ghactions.Annotation{
		Level: level,
		Title: fmt.Sprintf("%d more %ss", len(rest), level),
		Message: fmt.Sprintf("GitHub shows %d annotations of a level per step; these %d are in the job summary and the JSON report:\n%s",
			MaxAnnotations, len(rest), strings.Join(lines, "\n")),
	})
}

// Failed reports whether a module status fails the build.
func Failed(status Status) bool {
	return status != StatusOK && status != StatusSkipped && status != ""
}

// findingsByModule maps each module ID ("path@version") to the first
// finding that names it, so that each failing module finds its advice in
// one lookup: a scan of every finding per module is quadratic in a graph
// of a few hundred thousand failing versions.
func findingsByModule(r *Report) map[string]*Finding {
	by := map[string]*Finding{}
	for i := range r.Findings {
		for _, id := range r.Findings[i].Modules {
			if _, ok := by[id]; !ok {
				by[id] = &r.Findings[i]
			}
		}
	}
	return by
}

func allAnnotated(ids []string, annotated map[string]bool) bool {
	if len(ids) == 0 {
		return false
	}
	for _, id := range ids {
		if !annotated[id] {
			return false
		}
	}
	return true
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// relFile names an input file as GitHub and code scanning want it:
// relative to base (the workspace; the current directory when empty) with
// forward slashes, when it lies under base; as given otherwise.
// relFiles is relFile for one rendering: each file name, one of a few
// input files, is made relative once, not once per module row.
func relFiles(base string) func(file string) string {
	memo := map[string]string{}
	return func(file string) string {
		rel, ok := memo[file]
		if !ok {
			rel = relFile(file, base)
			memo[file] = rel
		}
		return rel
	}
}

func relFile(file, base string) string {
	if file == "" {
		return ""
	}
	if base == "" {
		wd, err := os.Getwd()
		if err != nil {
			return filepath.ToSlash(file)
		}
		base = wd
	}
	abs := file
	if !filepath.IsAbs(abs) {
		wd, err := os.Getwd()
		if err != nil {
			return filepath.ToSlash(filepath.Clean(file))
		}
		abs = filepath.Join(wd, file)
	}
	rel, err := filepath.Rel(base, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(filepath.Clean(file))
	}
	return filepath.ToSlash(rel)
}
