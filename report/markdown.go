package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// SummaryLimit is GitHub's size limit for one step's job summary (1 MiB);
// a larger summary is rejected whole, so Markdown stays below it.
const SummaryLimit = 1 << 20

// Markdown writes the job summary (GitHub-flavoured Markdown), answer
// first: the verdict line; the findings, each with its advice, a
// copy-paste fix and the modules it affects in a collapsed list; the
// failing modules grouped by cause and host, with the full per-module
// table collapsed and cut at a stated bound; then the checksums, the
// recommended GOPROXY, the endpoints with a latency chart, the ranking and
// the egress allow-list. Passing modules are counted, never listed. Text
// that servers or go.mod supplied is escaped, so it cannot add markup,
// HTML or links of its own.
func Markdown(w io.Writer, r *Report) error {
	_, err := io.WriteString(w, MarkdownSummary(r, SummaryBudget))
	return err
}

// SummaryBudget is the size the job summary aims to stay under: a tenth
// of GitHub's limit, so that even a run where thousands of modules fail
// loads fast and leaves room for the other steps' summaries.
const SummaryBudget = 100 << 10

// summaryBounds are how much of each list the summary shows.
// MarkdownSummary shrinks them until the summary fits.
type summaryBounds struct {
	findings    int // findings shown
	findingMods int // modules listed under one finding
	groups      int // rows of the grouped failing-modules table
	examples    int // example modules in one group row
	lines       int // go.mod lines in one group row
	modules     int // rows of the full per-module table
	endpoints   int // rows of the endpoints table
	allow       int // hosts of the allow-list
	detail      int // bytes of one server-supplied text
}

// defaultBounds keep a summary for any number of failing modules well
// under SummaryBudget; the per-module table's bound is the one readers
// meet first, and the JSON report holds every row.
var defaultBounds = summaryBounds{findings: 20, findingMods: 50, groups: 30, examples: 3, lines: 6, modules: ModuleTableBound, endpoints: 40, allow: 200, detail: 300}

// inlineModules is how many modules a finding names in the open; more go
// in a collapsed list.
const inlineModules = 3

// ModuleTableBound is how many failing modules the summary's full table
// shows at most.
const ModuleTableBound = 200

// MarkdownSummary renders the summary in at most limit bytes: lists are
// cut, each with a note saying how many more the JSON report holds.
func MarkdownSummary(r *Report, limit int) string {
	b := defaultBounds
	for {
		s := markdown(r, b)
		if len(s) <= limit {
			return s
		}
		if b.modules <= 1 && b.findingMods <= 1 && b.groups <= 1 && b.findings <= 1 && b.endpoints <= 1 && b.allow <= 1 {
			cut := limit - len(truncNote)
			for cut > 0 && !utf8Start(s[cut]) {
				cut--
			}
			return s[:max(cut, 0)] + truncNote
		}
		b = summaryBounds{
			findings: half(b.findings), findingMods: half(b.findingMods), groups: half(b.groups),
			examples: b.examples, lines: b.lines, modules: half(b.modules), endpoints: half(b.endpoints),
			allow: half(b.allow), detail: max(b.detail/2, 80),
		}
	}
}

func half(n int) int { return max(n/2, 1) }

const truncNote = "\n\n_…summary truncated at its size budget; see the JSON report._\n"

// markdown renders the summary with the given bounds.
func markdown(r *Report, bd summaryBounds) string {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	icon := "✅"
	switch {
	case r.GateOff():
		icon = "⚠️"
	case !r.Summary.Passed:
		icon = "❌"
	}
	p("## %s gopreflight: %s\n\n", icon, mdText(r.Verdict()))
	p("%s\n\n", mdText(countsLine(r)))
	b.WriteString(explainedMarkdown(r, bd.modules))

	if len(r.Findings) > 0 {
		p("### Findings\n\n")
		for i, f := range r.Findings {
			if i == bd.findings {
				p("_%d more findings not shown; see the JSON report._\n\n", len(r.Findings)-bd.findings)
				break
			}
			p("- **%s** %s %s\n", strings.ToUpper(mdText(string(f.Severity))), mdCode(string(f.Cause)), mdText(clip(f.Title, 2*bd.detail)))
			if f.Detail != "" {
				p("\n  %s\n", mdText(clip(f.Detail, 3*bd.detail)))
			}
			if f.Advice != "" {
				p("\n  **Fix:** %s\n", mdText(clip(f.Advice, 3*bd.detail)))
			}
			if strings.TrimSpace(f.Fix) != "" {
				p("\n%s", fence("sh", clipText(f.Fix, 3*bd.detail), "  "))
			}
			switch n := len(f.Modules); {
			case n == 0:
			case n <= inlineModules:
				p("\n  Modules: %s\n", mdCodeList(f.Modules, n))
			default:
				p("\n  <details><summary>%s</summary>\n\n  %s\n\n  </details>\n", plural(n, "module version"), mdCodeList(f.Modules, bd.findingMods))
			}
			p("\n")
		}
	}

	if groups := FailureGroups(r); len(groups) > 0 {
		rel := relFiles("")
		p("### Modules that cannot be fetched, by cause and host\n\n")
		p("| cause | host | modules | examples | required at |\n| --- | --- | ---: | --- | --- |\n")
		for i, g := range groups {
			if i == bd.groups {
				p("\n_%d more groups not shown; see the JSON report._\n", len(groups)-bd.groups)
				break
			}
			ids, more := IDs(g.Modules, bd.examples)
			ex := mdCodeList(ids, len(ids))
			if more > 0 {
				ex += fmt.Sprintf(" and %d more", more)
			}
			p("| %s %s | %s | %d | %s | %s |\n", mdCode(string(g.Cause)), mdText(statusWord(g.Status)), mdText(g.RouteText()),
				len(g.Modules), ex, mdText(Lines(g.Modules, bd.lines, rel)))
		}
		p("\n")
		failing := FailingModules(r)
		shown := min(len(failing), bd.modules)
		note := "all shown"
		if shown < len(failing) {
			note = fmt.Sprintf("the first %d shown; the JSON report has every one", shown)
		}
		p("<details><summary>Every failing module: %d (%s)</summary>\n\n", len(failing), note)
		p("| module | status | where | via, detail |\n| --- | --- | --- | --- |\n")
		for _, m := range failing[:shown] {
			p("| %s | %s %s | %s | %s: %s |\n", mdCode(m.ID()), m.Status, mdCode(string(m.Cause)),
				mdText(rel(m.Where())), mdText(m.Via), mdText(clip(m.Detail, bd.detail/2)))
		}
		if shown < len(failing) {
			p("\n_%d more not shown (bound: %d rows); see the JSON report._\n", len(failing)-shown, bd.modules)
		}
		p("\n</details>\n\n")
	}

	if c := r.Checksums; c.Status != "" {
		p("### Checksums\n\n%s\n\n", mdText(checksumHead(c)))
		if c.Verified+c.Mismatched+c.MissingSum+c.Unknown+c.Exempt+c.MirrorHashed > 0 {
			p("%d verified · %d mismatched · %d missing from go.sum · %d unknown to the database · %d exempt · mirror bytes hashed for %d\n\n",
				c.Verified, c.Mismatched, c.MissingSum, c.Unknown, c.Exempt, c.MirrorHashed)
		}
	}

	// With no GOPROXY to recommend, a finding says why; the reason alone
	// would repeat it.
	if rec := r.Recommendation; rec.GOPROXY != "" {
		p("### Recommended GOPROXY\n\n")
		if rec.Reason != "" {
			p("%s\n\n", mdText(rec.Reason))
		}
		p("%s\n", fence("sh", "GOPROXY="+shellQuote(rec.GOPROXY), ""))
	}

	if len(r.Endpoints) > 0 {
		eps := r.Endpoints
		p("### Endpoints\n\n")
		p("%s", latencyChart(r))
		down := 0
		for _, e := range eps {
			if !e.Reachable {
				down++
			}
		}
		p("<details><summary>%s, %d not reachable: latency, requests, causes</summary>\n\n", plural(len(eps), "endpoint"), down)
		p("| endpoint | role | reachable | p50 | p95 | requests | failures | cause |\n| --- | --- | --- | ---: | ---: | ---: | ---: | --- |\n")
		for i, e := range endpointOrder(eps) {
			if i == bd.endpoints {
				p("\n_%d more endpoints not shown; see the JSON report._\n", len(eps)-bd.endpoints)
				break
			}
			reach := "yes"
			if !e.Reachable {
				reach = "**no**"
			}
			cause := mdCode(string(e.Cause))
			if e.Detail != "" && e.Cause != "ok" {
				cause += " " + mdText(clip(e.Detail, bd.detail*2/3))
			}
			lat := r.EndpointLatency(e)
			p("| %s | %s | %s | %s | %s | %d | %d | %s |\n", mdText(e.URL), mdText(string(e.Role)), reach,
				msText(lat.P50), msText(lat.P95), e.Requests, e.Failures, cause)
		}
		p("\n</details>\n\n")
	}

	if len(r.Ranking) > 1 {
		p("### Proxy ranking\n\n| rank | proxy | role | complete | missing | success | p50 | p95 |\n| ---: | --- | --- | --- | ---: | ---: | ---: | ---: |\n")
		for i, k := range r.Ranking {
			if i == bd.endpoints {
				break
			}
			complete := "yes"
			if !k.Complete {
				complete = "**no**"
			}
			p("| %d | %s | %s | %s | %d | %.0f%% | %s | %s |\n", k.Rank, mdText(k.URL), mdText(string(k.Role)), complete, len(k.Missing),
				100*k.SuccessRatio, msText(k.Latency.P50), msText(k.Latency.P95))
		}
		p("\n")
	}

	if allow := AllowList(r); len(allow) > 0 {
		p("<details><summary>Egress allow-list: %s this build must reach</summary>\n\n", plural(len(allow), "host"))
		if len(allow) > bd.allow {
			allow = append(allow[:bd.allow:bd.allow], fmt.Sprintf("# %d more in the JSON report", len(allow)-bd.allow))
		}
		p("%s\n</details>\n\n", fence("text", strings.Join(allow, "\n"), ""))
	}
	if cands := CandidateHosts(r); len(cands) > 0 {
		p("Measured only, not on the allow-list (--candidates, not used by this build): %s\n", mdCodeList(cands, bd.allow))
	}
	return b.String()
}

// countsLine counts modules by status (passing ones are never listed one
// by one) and names GOPROXY.
func countsLine(r *Report) string {
	s := r.Summary
	var parts []string
	for _, st := range Statuses {
		if n := s.Count(st); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, statusWord(st)))
		}
	}
	line := fmt.Sprintf("%s: %s; checked in %s.", plural(s.Modules, "module version"), strings.Join(parts, ", "), durationText(r.DurationMS))
	if len(parts) == 0 {
		line = fmt.Sprintf("%s; checked in %s.", plural(s.Modules, "module version"), durationText(r.DurationMS))
	}
	if gp := r.Env["GOPROXY"]; gp != "" {
		line += " GOPROXY=" + gp
	}
	return line
}

// statusWord is a status in words.
func statusWord(status Status) string {
	switch status {
	case StatusNotFound:
		return "not found"
	case StatusChecksumMismatch:
		return "checksum mismatch"
	case StatusMissingSum:
		return "missing go.sum line"
	case StatusTimeout:
		return "timed out"
	}
	return string(status)
}

// endpointOrder puts the endpoints that failed first, keeping the
// report's order otherwise.
func endpointOrder(eps []Endpoint) []Endpoint {
	out := append([]Endpoint(nil), eps...)
	sort.SliceStable(out, func(i, j int) bool { return !out[i].Reachable && out[j].Reachable })
	return out
}

// latencyChart draws one bar per endpoint that answered: its p95, the
// ranking's figure for a ranked proxy (EndpointLatency), slowest first,
// in a chart whose height follows the number of bars (xychart-beta,
// which GitHub renders). Labels are reduced to characters Mermaid cannot
// read as syntax.
func latencyChart(r *Report) string {
	type bar struct {
		label string
		p95   float64
	}
	var bars []bar
	for _, e := range r.Endpoints {
		if e.Requests > 0 && e.Reachable {
			bars = append(bars, bar{chartLabel(e), r.EndpointLatency(e).P95})
		}
	}
	if len(bars) == 0 {
		return ""
	}
	sort.SliceStable(bars, func(i, j int) bool { return bars[i].p95 > bars[j].p95 })
	const maxBars = 12
	if len(bars) > maxBars {
		bars = bars[:maxBars]
	}
	var labels, vals []string
	top := 1.0
	for _, x := range bars {
		labels = append(labels, `"`+x.label+`"`)
		vals = append(vals, fmt.Sprintf("%.0f", x.p95))
		top = math.Max(top, x.p95)
	}
	var b strings.Builder
	b.WriteString("```mermaid\n---\nconfig:\n  xyChart:\n")
	fmt.Fprintf(&b, "    width: 760\n    height: %d\n    showDataLabel: true\n", chartHeight(len(bars)))
	b.WriteString("  themeVariables:\n    xyChart:\n      plotColorPalette: \"#54aeff\"\n")
	b.WriteString("---\nxychart-beta horizontal\n")
	b.WriteString("  title \"p95 latency, ms\"\n")
	fmt.Fprintf(&b, "  x-axis [%s]\n", strings.Join(labels, ", "))
	fmt.Fprintf(&b, "  y-axis 0 --> %.0f\n", math.Ceil(top*1.1))
	fmt.Fprintf(&b, "  bar [%s]\n", strings.Join(vals, ", "))
	b.WriteString("```\n\n")
	return b.String()
}

// chartHeight gives each bar about 35 px, plus the title and the axis:
// one bar is a short chart, twelve a tall one.
func chartHeight(bars int) int { return 110 + 35*bars }

func chartLabel(e Endpoint) string {
	s := e.Host
	if s == "" {
		s = hostPort(e.URL)
	}
	s = string(e.Role) + " " + s
	var out strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.ContainsRune(".-_:/ []", c):
			out.WriteRune(c)
		default:
			out.WriteRune('_')
		}
		if out.Len() >= 40 {
			break
		}
	}
	return out.String()
}

// mdText escapes text for Markdown: one line, HTML special characters and
// colons as entities, and the punctuation of links, code, emphasis and
// tables backslash-escaped, so that no text from a server or a go.mod can
// open a tag, a link, an image, a code span or a table cell.
func mdText(s string) string {
	s = oneLine(s)
	var b strings.Builder
	for i, c := range s {
		switch c {
		case '.':
			if wwwBefore(s, i) {
				b.WriteString("&#46;") // "www." would become a link by itself
			} else {
				b.WriteRune(c)
			}
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\\', '`', '*', '[', ']', '|', '~':
			b.WriteByte('\\')
			b.WriteRune(c)
		case ':':
			// "https:" would become a link GFM makes by itself; a URL a
			// server wrote must stay text.
			b.WriteString("&#58;")
		case '@':
			b.WriteString("&#64;") // nor an e-mail address

		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// wwwBefore reports whether s[:i] ends in "www" (any case): GFM links
// "www.host" without a scheme.
func wwwBefore(s string, i int) bool {
	return i >= 3 && strings.EqualFold(s[i-3:i], "www")
}

// mdCode shows s as inline code: a code span cannot hold markup, only its
// own delimiter (and | inside a table), so both are replaced.
func mdCode(s string) string {
	s = oneLine(s)
	if s == "" {
		return ""
	}
	s = strings.NewReplacer("`", "'", "|", "¦", "<", "‹", ">", "›").Replace(s)
	return "`" + s + "`"
}

func mdCodeList(ids []string, max int) string {
	var parts []string
	for i, id := range ids {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(ids)-max))
			break
		}
		parts = append(parts, mdCode(id))
	}
	return strings.Join(parts, ", ")
}

// fence puts text in a fenced code block whose fence is longer than any
// run of backticks in the text, indented by indent.
func fence(lang, text, indent string) string {
	n := 3
	for run, i := 0, 0; i < len(text); i++ {
		if text[i] == '`' {
			run++
			if run >= n {
				n = run + 1
			}
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", n)
	var b strings.Builder
	b.WriteString(indent + f + lang + "\n")
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		b.WriteString(indent + strings.TrimRight(l, "\r") + "\n")
	}
	b.WriteString(indent + f + "\n")
	return b.String()
}

// shellQuote quotes a value for sh when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/._,+=@%-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func clip(s string, n int) string {
	s = oneLine(s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// clipText cuts multi-line text at n bytes, keeping its lines.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func msText(ms float64) string {
	if ms <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0fms", ms)
}

func durationText(ms int64) string {
	if ms < 1000 {
		return fmt.Sprintf("%d ms", ms)
	}
	return fmt.Sprintf("%.1f s", float64(ms)/1000)
}
