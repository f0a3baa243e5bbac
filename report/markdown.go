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

// Markdown writes the job summary (GitHub-flavoured Markdown): the verdict
// line, the failing modules, the findings with advice and a copy-paste
// fix, the endpoints with their latency as a table and a Mermaid chart,
// the ranking and the egress allow-list. Text that servers or go.mod
// supplied is escaped, so it cannot add markup, HTML or links of its own.
func Markdown(w io.Writer, r *Report) error {
	_, err := io.WriteString(w, MarkdownSummary(r, SummaryLimit))
	return err
}

// MarkdownSummary renders the summary in at most limit bytes: long tables
// are cut, with a note saying how many rows the JSON report holds beyond
// those shown.
func MarkdownSummary(r *Report, limit int) string {
	// No one reads past a thousand rows of a table; the JSON report has them.
	rows := min(len(r.Modules)+len(r.Endpoints)+len(r.Findings), maxRows)
	for {
		s := markdown(r, rows)
		if len(s) <= limit || rows == 0 {
			if len(s) > limit {
				s = s[:limit-len(truncNote)] + truncNote
			}
			return s
		}
		rows /= 2
	}
}

const maxRows = 1000

const truncNote = "\n\n_…summary truncated at GitHub's size limit; see the JSON report._\n"

// markdown renders with at most max rows in each list.
func markdown(r *Report, max int) string {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	icon := "✅"
	if !r.Summary.Passed {
		icon = "❌"
	}
	p("## %s gopreflight: %s\n\n", icon, mdText(r.Verdict()))
	s := r.Summary
	p("%d modules: %d ok, %d not found, %d unreachable, %d checksum mismatch, %d missing go.sum line, %d timed out, %d skipped; checked in %s.",
		s.Modules, s.OK, s.NotFound, s.Unreachable, s.ChecksumMismatch, s.MissingSum, s.Timeout, s.Skipped, durationText(r.DurationMS))
	if gp := r.Env["GOPROXY"]; gp != "" {
		p(" GOPROXY: %s", mdCode(gp))
	}
	p("\n\n")
	b.WriteString(explainedMarkdown(r, max))

	var failing []Module
	for _, m := range r.Modules {
		if Failed(m.Status) {
			failing = append(failing, m)
		}
	}
	if len(failing) > 0 {
		sort.SliceStable(failing, func(i, j int) bool { return statusRank(failing[i].Status) < statusRank(failing[j].Status) })
		p("### Modules that cannot be fetched\n\n")
		p("| module | status | where | via, detail |\n| --- | --- | --- | --- |\n")
		for i, m := range failing {
			if i == max {
				p("\n_%d more not shown; see the JSON report._\n", len(failing)-max)
				break
			}
			p("| %s | %s %s | %s | %s: %s |\n", mdCode(m.ID()), m.Status, mdCode(string(m.Cause)),
				mdText(fmt.Sprintf("%s:%d", relFile(m.File, ""), m.Line)), mdText(m.Via), mdText(clip(m.Detail, 300)))
		}
		p("\n")
	}

	if len(r.Findings) > 0 {
		p("### Findings\n\n")
		for i, f := range r.Findings {
			if i == max {
				p("_%d more findings not shown; see the JSON report._\n\n", len(r.Findings)-max)
				break
			}
			p("- **%s** %s %s\n", strings.ToUpper(mdText(f.Severity)), mdCode(string(f.Cause)), mdText(f.Title))
			if f.Detail != "" {
				p("\n  %s\n", mdText(clip(f.Detail, 1000)))
			}
			if f.Advice != "" {
				p("\n  **Fix:** %s\n", mdText(clip(f.Advice, 1000)))
			}
			if len(f.Modules) > 0 {
				p("\n  Modules: %s\n", mdCodeList(f.Modules, 20))
			}
			if strings.TrimSpace(f.Fix) != "" {
				p("\n%s", fence("sh", f.Fix, "  "))
			}
			p("\n")
		}
	}

	if c := r.Checksums; c.Status != "" {
		p("### Checksums\n\n%s\n\n", mdText(checksumHead(c)))
		p("%d verified · %d mismatched · %d missing from go.sum · %d unknown to the database · %d exempt · mirror bytes hashed for %d\n\n",
			c.Verified, c.Mismatched, c.MissingSum, c.Unknown, c.Exempt, c.MirrorHashed)
	}

	if rec := r.Recommendation; rec.GOPROXY != "" || rec.Reason != "" {
		p("### Recommended GOPROXY\n\n")
		if rec.Reason != "" {
			p("%s\n\n", mdText(rec.Reason))
		}
		if rec.GOPROXY != "" {
			p("%s\n", fence("sh", "GOPROXY="+shellQuote(rec.GOPROXY), ""))
		}
	}

	if len(r.Endpoints) > 0 {
		eps := r.Endpoints
		p("### Endpoints\n\n")
		p("| endpoint | role | reachable | p50 | p95 | requests | failures | cause |\n| --- | --- | --- | ---: | ---: | ---: | ---: | --- |\n")
		for i, e := range eps {
			if i == max {
				p("\n_%d more endpoints not shown; see the JSON report._\n", len(eps)-max)
				break
			}
			reach := "yes"
			if !e.Reachable {
				reach = "**no**"
			}
			cause := mdCode(string(e.Cause))
			if e.Detail != "" && e.Cause != "ok" {
				cause += " " + mdText(clip(e.Detail, 200))
			}
			p("| %s | %s | %s | %s | %s | %d | %d | %s |\n", mdText(e.URL), mdText(string(e.Role)), reach,
				msText(e.Latency.P50), msText(e.Latency.P95), e.Requests, e.Failures, cause)
		}
		p("\n")
		p("%s", latencyChart(eps))
	}

	if len(r.Ranking) > 1 {
		p("### Proxy ranking\n\n| rank | proxy | complete | missing | success | p50 | p95 |\n| ---: | --- | --- | ---: | ---: | ---: | ---: |\n")
		for i, k := range r.Ranking {
			if i == max {
				break
			}
			complete := "yes"
			if !k.Complete {
				complete = "**no**"
			}
			p("| %d | %s | %s | %d | %.0f%% | %s | %s |\n", k.Rank, mdText(k.URL), complete, len(k.Missing),
				100*k.SuccessRatio, msText(k.Latency.P50), msText(k.Latency.P95))
		}
		p("\n")
	}

	if allow := AllowList(r); len(allow) > 0 {
		p("<details><summary>Egress allow-list: %d hosts this build must reach</summary>\n\n", len(allow))
		if len(allow) > max {
			allow = append(allow[:max:max], fmt.Sprintf("# %d more in the JSON report", len(allow)-max))
		}
		p("%s\n</details>\n", fence("text", strings.Join(allow, "\n"), ""))
	}
	return b.String()
}

// latencyChart draws the slowest endpoints' p95 as bars with p50 over them
// (xychart-beta, which GitHub renders). Labels are reduced to characters
// Mermaid cannot read as syntax.
func latencyChart(eps []Endpoint) string {
	var shown []Endpoint
	for _, e := range eps {
		if e.Requests > 0 && e.Reachable {
			shown = append(shown, e)
		}
	}
	if len(shown) == 0 {
		return ""
	}
	sort.SliceStable(shown, func(i, j int) bool { return shown[i].Latency.P95 > shown[j].Latency.P95 })
	const maxBars = 12
	if len(shown) > maxBars {
		shown = shown[:maxBars]
	}
	var labels, p50, p95 []string
	top := 1.0
	for _, e := range shown {
		label := chartLabel(e)
		labels = append(labels, `"`+label+`"`)
		p50 = append(p50, fmt.Sprintf("%.0f", e.Latency.P50))
		p95 = append(p95, fmt.Sprintf("%.0f", e.Latency.P95))
		top = math.Max(top, e.Latency.P95)
	}
	var b strings.Builder
	b.WriteString("```mermaid\nxychart-beta horizontal\n")
	b.WriteString("  title \"Endpoint latency, ms: p95 (light) and p50 (dark)\"\n")
	fmt.Fprintf(&b, "  x-axis [%s]\n", strings.Join(labels, ", "))
	fmt.Fprintf(&b, "  y-axis \"ms\" 0 --> %.0f\n", math.Ceil(top*1.1))
	fmt.Fprintf(&b, "  bar [%s]\n", strings.Join(p95, ", "))
	fmt.Fprintf(&b, "  bar [%s]\n", strings.Join(p50, ", "))
	b.WriteString("```\n\n")
	return b.String()
}

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
	for _, c := range s {
		switch c {
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
