package report

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestMarkdownSections(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	if err := Markdown(&b, sampleReport(dir)); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if p := os.Getenv("GOPREFLIGHT_SUMMARY_OUT"); p != "" {
		os.WriteFile(p, b.Bytes(), 0o644) // for looking at it: tools/render-summary
	}
	first, _, _ := strings.Cut(md, "\n")
	if first != "## ❌ gopreflight: 2 of 3 needed module versions cannot be fetched (1 not_found, 1 unreachable)" {
		t.Errorf("first line = %q", first)
	}
	order := []string{
		"2 of 3 needed module versions cannot be fetched",
		"4 module versions&#58; 1 ok, 1 not found, 1 unreachable, 1 skipped; checked in 2.1 s.",
		"### Findings",
		"- **ERROR** `tls_unknown_authority` 1 module version unreachable via direct&#58; tls_unknown_authority",
		"**Fix:** Trust the corporate CA",
		"  ```sh\n  SSL_CERT_FILE=/etc/ssl/certs/corp-ca.pem\n  GOPRIVATE=corp.example\n  GONOSUMDB=corp.example\n  ```\n",
		"  Modules: `corp.example/lib@v0.3.1`",
		"- **WARNING** `mirror_lag`",
		"### Modules that cannot be fetched, by cause and host",
		"| cause | host | modules | examples | required at |",
		"| `tls_unknown_authority` unreachable | direct | 1 | `corp.example/lib@v0.3.1` | " + mdText(dir+"/go.mod:9") + " |",
		"| `not_found` not found | proxy.example&#58;443 | 1 | `example.test/typo@v1.9.9` | " + mdText(dir+"/go.mod:7") + " |",
		"<details><summary>Every failing module: 2 (all shown)</summary>",
		"| `corp.example/lib@v0.3.1` | unreachable `tls_unknown_authority` | " + mdText(dir+"/go.mod:9") + " | direct: git.corp.example&#58;443&#58; x509&#58; certificate signed by unknown authority",
		"| `example.test/typo@v1.9.9` | not_found `not_found` | ",
		"</details>",
		"### Recommended GOPROXY",
		"```sh\nGOPROXY=https://proxy.example,direct\n```",
		"### Endpoints",
		"```mermaid\n---\nconfig:\n  xyChart:\n    width: 760\n    height: 250\n",
		`  x-axis ["redirect storage.example", "proxy proxy.example", "sumdb sum.example", "candidate mirror.example"]`,
		"  bar [210, 120, 90, 64]\n```",
		"<details><summary>5 endpoints, 1 not reachable: latency, requests, causes</summary>",
		"| https&#58;//git.corp.example | vcs | **no** | – | – | 3 | 3 | `tls_unknown_authority` issuer CN=Corp Inspection CA |",
		"| https&#58;//proxy.example | proxy | yes | 38ms | 120ms | 9 | 0 | `ok` |",
		"### Proxy ranking",
		"| 2 | https&#58;//mirror.example | candidate | **no** | 1 | 90% | 21ms | 64ms |",
		"Egress allow-list: 4 hosts this build must reach",
		"git.corp.example:443\nproxy.example:443\nstorage.example:443\nsum.example:443\n",
		"Measured only, not on the allow-list (--candidates, not used by this build): `mirror.example:443`",
	}
	at := 0
	for _, s := range order {
		i := strings.Index(md[at:], s)
		if i < 0 {
			t.Fatalf("summary lacks %q after offset %d:\n%s", s, at, md)
		}
		at += i + len(s)
	}
	if strings.Contains(md, "example.test/good@v1.4.0`, ") || strings.Contains(md, "example.test/local@") || strings.Contains(md, "| `example.test/good@") {
		t.Errorf("modules that are fine are listed:\n%s", md)
	}
}

var (
	mdLink = regexp.MustCompile(`[^\\]\]\(|<[a-zA-Z/!]`)
)

func TestMarkdownHostileText(t *testing.T) {
	r := sampleReport(t.TempDir())
	hostile := "<script>alert(1)</script> [click](https://evil.example) ![x](https://evil.example/i.png) | fake | cell |\n# Heading\n```\n<img src=x onerror=alert(1)>"
	r.Modules[1].Detail = hostile
	r.Findings[0].Title = hostile
	r.Findings[0].Advice = hostile
	r.Findings[0].Fix = "GOPROXY=x\n```\n<script>"
	r.Endpoints[0].URL = "https://proxy.example/\"];alert[\""
	r.Endpoints[3].Detail = hostile
	md := MarkdownSummary(r, SummaryLimit)
	if m := mdLink.FindString(md); m != "" && !strings.Contains(md, "<details><summary>") {
		t.Errorf("link or tag syntax %q survived", m)
	}
	fence := "" // the open code fence
	for _, l := range strings.Split(md, "\n") {
		tl := strings.TrimSpace(l)
		if fence == "" && strings.HasPrefix(tl, "```") {
			fence = tl[:len(tl)-len(strings.TrimLeft(tl, "`"))]
			continue
		}
		if fence != "" {
			if tl == fence {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(l, "<") && !strings.HasPrefix(l, "<details><summary>") && l != "</details>" {
			t.Errorf("raw HTML line %q", l)
		}
		if strings.Contains(l, "<script") || strings.Contains(l, "<img") {
			t.Errorf("HTML tag survived: %q", l)
		}
		if strings.HasPrefix(l, "# Heading") {
			t.Errorf("heading injected: %q", l)
		}
		if strings.HasPrefix(l, "| `example.test/typo@") {
			if n := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|"); n != 5 {
				t.Errorf("table row has %d cell separators, want 5: %q", n, l)
			}
		}
	}
	if !strings.Contains(md, "  ````sh\n  GOPROXY=x\n  ```\n  <script>\n  ````\n") {
		t.Errorf("fix block does not fence its backticks:\n%s", md)
	}
	chart := md[strings.Index(md, "```mermaid"):]
	chart = chart[:strings.Index(chart[3:], "```")+3]
	if strings.Contains(chart, "alert") && strings.Contains(chart, `"]`+";") {
		t.Errorf("mermaid label escaped its quotes:\n%s", chart)
	}
}

// TestMarkdownSizeLimit: whatever fails, and however much, the summary
// stays within its budget (a tenth of GitHub's limit by default) and
// still opens with the verdict, each cut list saying so.
func TestMarkdownSizeLimit(t *testing.T) {
	long := strings.Repeat("no such version on this proxy; ", 10)
	shapes := map[string]*Report{
		"one host, 5000 modules":         failingHosts(t.TempDir(), 5000, long, 1),
		"every module its own host":      failingHosts(t.TempDir(), 5000, long, 5000),
		"20000 modules, 20000 endpoints": failingHosts(t.TempDir(), 20000, long, 20000),
	}
	for name, r := range shapes {
		n := r.Summary.Modules
		for _, limit := range []int{SummaryBudget, SummaryLimit, 2000} {
			md := MarkdownSummary(r, limit)
			if len(md) > limit {
				t.Fatalf("%s, limit %d: summary is %d bytes", name, limit, len(md))
			}
			if !strings.HasPrefix(md, fmt.Sprintf("## ❌ gopreflight: %d of %d", n, n)) {
				t.Errorf("%s, limit %d: no verdict first", name, limit)
			}
			if limit < SummaryBudget {
				continue
			}
			for _, want := range []string{"more not shown (bound: ", "### Findings", "### Modules that cannot be fetched, by cause and host", "### Endpoints", "```mermaid"} {
				if !strings.Contains(md, want) {
					t.Errorf("%s, limit %d: summary lacks %q", name, limit, want)
				}
			}
		}
		var b bytes.Buffer
		Markdown(&b, r)
		if b.Len() >= 100<<10 {
			t.Errorf("%s: Markdown writes %d bytes, want under 100 KB", name, b.Len())
		}
	}
}
