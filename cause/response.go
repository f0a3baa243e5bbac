package cause

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// FromResponse names the cause of a final HTTP answer (after redirects)
// with a short human detail. body is the start of the answer (the whole of
// a .info or .mod, a few KB of anything else); redirected says the answer
// came after at least one redirect to another host.
//
//   - 2xx whose body is not the protocol's: block_page when it is HTML
//     (a portal or filter page), bad_response otherwise, vcs_failure for
//     the direct route (WantGitRefs, WantGoImport). A ?go-get=1 page
//     without a go-import tag is block_page only when it was reached by
//     redirect or holds a login form.
//   - 401 http_unauthorized; 403 and 451 http_forbidden with a
//     protocol-shaped body, block_page with an HTML one; 404 and 410
//     not_found, except an HTML page reached by redirect (a portal's
//     "not found"), which is block_page; 407 proxy_auth_required;
//     429 rate_limited; 511 (captive portal) block_page; other 5xx
//     server_error; any other status bad_response.
//   - For WantGoImport a page with a go-import tag is OK whatever its
//     status, as the go command reads the tags of error pages too.
func FromResponse(status int, header http.Header, body []byte, want Want, redirected bool) (Code, string) {
	html := isHTML(header, body)
	if want == WantGoImport && hasGoImport(body) {
		return OK, ""
	}
	statusText := fmt.Sprintf("%d %s", status, http.StatusText(status))
	switch {
	case status >= 200 && status < 300:
		return judgeBody(header, body, want, redirected, html)
	case status == http.StatusUnauthorized:
		return HTTPUnauthorized, withHeader(statusText, "WWW-Authenticate", header)
	case status == http.StatusProxyAuthRequired:
		return ProxyAuthRequired, withHeader(statusText, "Proxy-Authenticate", header)
	case status == http.StatusForbidden || status == http.StatusUnavailableForLegalReasons:
		if html {
			return BlockPage, statusText + " with " + describeHTML(body, redirected)
		}
		return HTTPForbidden, statusText
	case status == http.StatusNotFound || status == http.StatusGone:
		if html && redirected {
			return BlockPage, statusText + " with " + describeHTML(body, redirected)
		}
		return NotFound, statusText
	case status == http.StatusTooManyRequests:
		return RateLimited, withHeader(statusText, "Retry-After", header)
	case status == http.StatusNetworkAuthenticationRequired:
		return BlockPage, statusText + " (captive portal)"
	case status >= 500 && status < 600:
		return ServerError, statusText
	}
	return malformed(want, "unexpected status "+statusText)
}

func judgeBody(header http.Header, body []byte, want Want, redirected, html bool) (Code, string) {
	if html && want != WantGoImport {
		return BlockPage, describeHTML(body, redirected) + " where " + wantName(want) + " was expected"
	}
	switch want {
	case WantInfo:
		var info struct{ Version string }
		if err := json.Unmarshal(body, &info); err != nil {
			return BadResponse, fmt.Sprintf(".info is not JSON: %v", err)
		}
		if info.Version == "" {
			return BadResponse, ".info has no Version"
		}
	case WantList:
		return judgeList(body)
	case WantMod:
		return judgeMod(header, body)
	case WantZip:
		if !zipPrefix(body) {
			return BadResponse, fmt.Sprintf("not a zip archive (starts %q)", head(body))
		}
	case WantGitRefs:
		return judgeGitRefs(header, body)
	case WantGoImport:
		if redirected || loginForm(body) {
			return BlockPage, describeHTML(body, redirected) + " without a go-import tag"
		}
		return VCSFailure, `no <meta name="go-import"> tag in the ?go-get=1 page`
	}
	// WantSumDB answers are text or binary tiles: anything but HTML will do.
	return OK, ""
}

func judgeList(body []byte) (Code, string) {
	if len(bytes.TrimSpace(body)) == 0 {
		return OK, "" // a module with no tagged versions
	}
	// As the go command, ignore lines that are not versions, but an answer
	// with none at all is not a version list.
	for _, line := range strings.Split(string(body), "\n") {
		if f := strings.Fields(line); len(f) > 0 && semver.IsValid(f[0]) {
			return OK, ""
		}
	}
	return BadResponse, fmt.Sprintf("version list holds no version (starts %q)", head(body))
}

func judgeMod(header http.Header, body []byte) (Code, string) {
	f, err := modfile.ParseLax("go.mod", body, nil)
	if err != nil {
		if truncated(header, body) && startsWithModule(body) {
			return OK, "" // only a prefix was read; it starts as a go.mod should
		}
		return BadResponse, fmt.Sprintf(".mod does not parse: %v", err)
	}
	if f.Module == nil {
		return BadResponse, ".mod has no module directive"
	}
	return OK, ""
}

func judgeGitRefs(header http.Header, body []byte) (Code, string) {
	ct := mediaType(header)
	if ct != "application/x-git-upload-pack-advertisement" {
		return VCSFailure, fmt.Sprintf("info/refs is not a smart-HTTP advertisement (Content-Type %q)", ct)
	}
	// The first pkt-line is a 4-hex-digit length and "# service=git-upload-pack".
	if len(body) < 4 {
		return VCSFailure, "info/refs advertisement is empty"
	}
	if _, err := strconv.ParseUint(string(body[:4]), 16, 16); err != nil || !bytes.HasPrefix(body[4:], []byte("# service=git-upload-pack")) {
		return VCSFailure, fmt.Sprintf("info/refs advertisement is malformed (starts %q)", head(body))
	}
	return OK, ""
}

// malformed is bad_response, or vcs_failure on the direct route.
func malformed(want Want, detail string) (Code, string) {
	if want == WantGitRefs || want == WantGoImport {
		return VCSFailure, detail
	}
	return BadResponse, detail
}

func wantName(w Want) string {
	switch w {
	case WantInfo:
		return "a .info JSON"
	case WantList:
		return "a version list"
	case WantMod:
		return "a go.mod"
	case WantZip:
		return "a zip"
	case WantGitRefs:
		return "a git info/refs advertisement"
	case WantSumDB:
		return "a checksum database answer"
	}
	return "a ?go-get=1 page"
}

func mediaType(header http.Header) string {
	mt, _, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// isHTML says whether the answer is an HTML page, by its Content-Type or,
// unless it is declared binary, by sniffing (filters often mislabel pages).
func isHTML(header http.Header, body []byte) bool {
	switch mediaType(header) {
	case "text/html", "application/xhtml+xml":
		return true
	case "application/octet-stream", "application/zip":
		return false
	}
	return len(body) > 0 && strings.HasPrefix(http.DetectContentType(body), "text/html")
}

// zipPrefix accepts a zip's start, the first bytes of a range request, or
// nothing at all (a HEAD request).
func zipPrefix(body []byte) bool {
	for _, magic := range []string{"PK\x03\x04", "PK\x05\x06"} {
		n := min(len(body), len(magic))
		if string(body[:n]) == magic[:n] {
			return true
		}
	}
	return false
}

func truncated(header http.Header, body []byte) bool {
	n, err := strconv.Atoi(header.Get("Content-Length"))
	return err == nil && n > len(body)
}

func startsWithModule(body []byte) bool {
	for _, line := range strings.Split(string(body), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		return strings.HasPrefix(line, "module ") || strings.HasPrefix(line, "module\t")
	}
	return false
}

// hasGoImport reports whether body holds a <meta name="go-import"> tag.
func hasGoImport(body []byte) bool {
	lower := bytes.ToLower(body)
	for range 64 { // pages hold a handful of meta tags; bound the scan
		i := bytes.Index(lower, []byte("<meta"))
		if i < 0 {
			return false
		}
		lower = lower[i+len("<meta"):]
		end := bytes.IndexByte(lower, '>')
		if end < 0 {
			return false
		}
		tag := lower[:end]
		if bytes.Contains(tag, []byte("go-import")) && bytes.Contains(tag, []byte("content=")) {
			return true
		}
		lower = lower[end:]
	}
	return false
}

func loginForm(body []byte) bool {
	lower := bytes.ToLower(body)
	for _, p := range []string{`type="password"`, `type='password'`, `type=password`} {
		if bytes.Contains(lower, []byte(p)) {
			return true
		}
	}
	return false
}

// describeHTML names an HTML page by its title, which usually names the
// filter or portal that served it.
func describeHTML(body []byte, redirected bool) string {
	d := "an HTML page"
	if t := title(body); t != "" {
		d += fmt.Sprintf(" %q", t)
	}
	if loginForm(body) {
		d += " with a login form"
	}
	if redirected {
		d += " reached by redirect"
	}
	return d
}

func title(body []byte) string {
	lower := bytes.ToLower(body)
	i := bytes.Index(lower, []byte("<title"))
	if i < 0 {
		return ""
	}
	j := bytes.IndexByte(lower[i:], '>')
	if j < 0 {
		return ""
	}
	start := i + j + 1
	end := bytes.Index(lower[start:], []byte("</title"))
	if end < 0 {
		return ""
	}
	t := strings.Join(strings.Fields(string(body[start:start+end])), " ")
	if len(t) > 80 {
		t = t[:80] + "…"
	}
	return t
}

func head(body []byte) string {
	return string(body[:min(len(body), 24)])
}

func withHeader(s, name string, header http.Header) string {
	if v := header.Get(name); v != "" {
		return s + " (" + name + ": " + v + ")"
	}
	return s
}
