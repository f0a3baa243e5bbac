package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// TestSanitize: every string of the model, wherever it sits (nested
// structs, slices, maps, pointers), is redacted, escaped and clipped.
func TestSanitize(t *testing.T) {
	long := strings.Repeat("x", 3*MaxField)
	r := &Report{
		Env:       map[string]string{"GOPROXY": "https://u:SECRET@proxy.example"},
		Modules:   []Module{{Path: "example.test/\x1b[31mred", Detail: long, Attempts: []Attempt{{Detail: "realm=SECRET"}}}},
		Endpoints: []Endpoint{{TLS: &TLS{Issuer: "CN=\x1b]0;title\a"}}},
		Findings:  []Finding{{Modules: []string{"SECRET@v1"}}},
	}
	Sanitize(r, func(s string) string { return strings.ReplaceAll(s, "SECRET", "***") })
	var b bytes.Buffer
	if err := JSON(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"SECRET", `\u001b`, `\u0007`} {
		if strings.Contains(out, bad) {
			t.Errorf("sanitized report holds %q:\n%s", bad, out)
		}
	}
	if d := r.Modules[0].Detail; len(d) > MaxField+64 || !strings.Contains(d, "… cut") {
		t.Errorf("detail of %d bytes kept %d bytes, without a cut note", len(long), len(d))
	}
}

// TestMarkdownNoAutolinks: server text shaped like a link (www., a
// scheme, an e-mail address) stays text in the job summary.
func TestMarkdownNoAutolinks(t *testing.T) {
	evil := "see www.example-phish.test/sso, WWW.example-phish.test, https://phish.test/x and admin@phish.test"
	r := &Report{Summary: Summary{Modules: 1, Unreachable: 1}, Modules: []Module{{Path: "example.test/a", Version: "v1.0.0", Status: StatusUnreachable, Detail: evil}},
		Findings: []Finding{{Severity: SeverityError, Title: evil, Detail: evil, Advice: evil}}}
	md := MarkdownSummary(r, SummaryLimit)
	if !strings.Contains(md, "phish") {
		t.Fatalf("the server text is not in the summary; the test proves nothing:\n%s", md)
	}
	// Outside code spans and blocks, none of GFM's autolink shapes.
	prose := regexp.MustCompile("(?s)```.*?```|`[^`]*`").ReplaceAllString(md, "")
	for _, re := range []string{`(?i)www\.`, `[a-z]+://`, `[A-Za-z0-9]@[A-Za-z0-9]`} {
		if loc := regexp.MustCompile(re).FindStringIndex(prose); loc != nil {
			t.Errorf("summary prose holds an autolink shape %q: …%s…", re, prose[max(0, loc[0]-20):min(len(prose), loc[1]+20)])
		}
	}
}

// TestCappedOutput: a line-oriented output stops at MaxOutput with one
// note, on a line boundary.
func TestCappedOutput(t *testing.T) {
	var b bytes.Buffer
	w := &capWriter{w: &b, left: 100, note: "… cut\n"}
	for range 50 {
		w.Write([]byte("0123456789\n"))
	}
	if got := b.String(); got != strings.Repeat("0123456789\n", 9)+"… cut\n" {
		t.Errorf("capped output %q", got)
	}
}
