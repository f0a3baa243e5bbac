package cause_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gopreflight/gopreflight/cause"
)

func TestFromResponse(t *testing.T) {
	t.Parallel()
	h := func(kv ...string) http.Header {
		hdr := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			hdr.Set(kv[i], kv[i+1])
		}
		return hdr
	}
	const (
		portal   = "<!DOCTYPE html><html><head><title>Access denied - Web Filter</title></head><body>Blocked</body></html>"
		login    = "<html><head><title>Wi-Fi</title></head><body><form><input type=\"password\" name=\"p\"></form></body></html>"
		goImport = `<html><head><meta name="go-import" content="git.corp.test/x git https://git.corp.test/x.git"></head></html>`
		advert   = "001e# service=git-upload-pack\n0000"
	)
	text := h("Content-Type", "text/plain; charset=utf-8")
	html := h("Content-Type", "text/html; charset=utf-8")
	tests := []struct {
		name       string
		status     int
		header     http.Header
		body       string
		want       cause.Want
		redirected bool
		code       cause.Code
		detail     string
	}{
		{"info ok", 200, h("Content-Type", "application/json"), `{"Version":"v1.2.3","Time":"2024-01-01T00:00:00Z"}`, cause.WantInfo, false, cause.OK, ""},
		{"info portal", 200, html, portal, cause.WantInfo, false, cause.BlockPage, `"Access denied - Web Filter"`},
		{"info portal mislabelled as JSON", 200, h("Content-Type", "application/json"), portal, cause.WantInfo, false, cause.BlockPage, "HTML"},
		{"info portal by redirect", 200, html, login, cause.WantInfo, true, cause.BlockPage, "login form reached by redirect"},
		{"info not JSON", 200, text, "v1.2.3", cause.WantInfo, false, cause.BadResponse, "not JSON"},
		{"info without Version", 200, h("Content-Type", "application/json"), `{"error":"blocked"}`, cause.WantInfo, false, cause.BadResponse, "no Version"},
		{"list ok", 200, text, "v1.0.0\nv1.1.0\n", cause.WantList, false, cause.OK, ""},
		{"list empty", 200, text, "", cause.WantList, false, cause.OK, ""},
		{"list garbage", 200, text, "hello world\n", cause.WantList, false, cause.BadResponse, "no version"},
		{"mod ok", 200, text, "module example.com/m\n\ngo 1.22\n\nrequire golang.org/x/mod v0.24.0\n", cause.WantMod, false, cause.OK, ""},
		{"mod does not parse", 200, text, "module example.com/m\nrequire (\n", cause.WantMod, false, cause.BadResponse, "does not parse"},
		{"mod without module", 200, text, "go 1.22\n", cause.WantMod, false, cause.BadResponse, "no module"},
		{"mod prefix of a longer answer", 200, h("Content-Type", "text/plain", "Content-Length", "9999"), "module example.com/m\nrequire (\n\tgolang.org/x/mod v0.2", cause.WantMod, false, cause.OK, ""},
		{"zip ok", 200, h("Content-Type", "application/zip"), "PK\x03\x04rest", cause.WantZip, false, cause.OK, ""},
		{"zip range of one byte", 206, h("Content-Type", "application/zip"), "P", cause.WantZip, false, cause.OK, ""},
		{"zip HEAD", 200, h("Content-Type", "application/zip"), "", cause.WantZip, false, cause.OK, ""},
		{"zip HEAD answered by a portal", 200, html, "", cause.WantZip, false, cause.BlockPage, "HTML"},
		{"zip is text", 200, text, "not a zip", cause.WantZip, false, cause.BadResponse, "not a zip"},
		{"git refs ok", 200, h("Content-Type", "application/x-git-upload-pack-advertisement"), advert, cause.WantGitRefs, false, cause.OK, ""},
		{"git refs dumb", 200, text, "0123456789abcdef0123456789abcdef01234567\trefs/heads/main\n", cause.WantGitRefs, false, cause.VCSFailure, "not a smart-HTTP"},
		{"git refs malformed", 200, h("Content-Type", "application/x-git-upload-pack-advertisement"), "zzzz", cause.WantGitRefs, false, cause.VCSFailure, "malformed"},
		{"git refs portal", 200, html, portal, cause.WantGitRefs, false, cause.BlockPage, "HTML"},
		{"go-import ok", 200, html, goImport, cause.WantGoImport, false, cause.OK, ""},
		{"go-import on a 404 page", 404, html, goImport, cause.WantGoImport, false, cause.OK, ""},
		{"go-import missing", 200, html, "<html><body>hello</body></html>", cause.WantGoImport, false, cause.VCSFailure, "go-import"},
		{"go-import missing, portal by redirect", 200, html, portal, cause.WantGoImport, true, cause.BlockPage, "redirect"},
		{"go-import missing, login form", 200, html, login, cause.WantGoImport, false, cause.BlockPage, "login form"},
		{"sumdb lookup", 200, text, "12345\nexample.com/m v1.0.0 h1:abc=\n", cause.WantSumDB, false, cause.OK, ""},
		{"sumdb tile", 200, h("Content-Type", "application/octet-stream"), "<p \x00\x01binary", cause.WantSumDB, false, cause.OK, ""},
		{"sumdb supported", 200, nil, "", cause.WantSumDB, false, cause.OK, ""},
		{"sumdb portal", 200, html, portal, cause.WantSumDB, false, cause.BlockPage, "HTML"},
		{"404", 404, text, "not found: example.com/m@v9.9.9: invalid version", cause.WantInfo, false, cause.NotFound, "404"},
		{"410", 410, text, "gone", cause.WantMod, false, cause.NotFound, "410"},
		{"404 HTML from the proxy itself", 404, html, portal, cause.WantInfo, false, cause.NotFound, ""},
		{"404 HTML page by redirect", 404, html, portal, cause.WantInfo, true, cause.BlockPage, "404"},
		{"401", 401, h("WWW-Authenticate", `Basic realm="GitLab"`), "", cause.WantGitRefs, false, cause.HTTPUnauthorized, "Basic realm"},
		{"403 protocol-shaped", 403, text, "forbidden", cause.WantZip, false, cause.HTTPForbidden, "403"},
		{"403 HTML", 403, html, portal, cause.WantZip, false, cause.BlockPage, "Web Filter"},
		{"451 HTML", 451, html, portal, cause.WantZip, false, cause.BlockPage, "451"},
		{"407 from a proxy on plain http", 407, h("Proxy-Authenticate", "Basic"), "", cause.WantInfo, false, cause.ProxyAuthRequired, "407"},
		{"429", 429, h("Retry-After", "30"), "slow down", cause.WantInfo, false, cause.RateLimited, "Retry-After: 30"},
		{"500", 500, text, "", cause.WantInfo, false, cause.ServerError, "500"},
		{"503 HTML", 503, html, portal, cause.WantInfo, false, cause.ServerError, "503"},
		{"511 captive portal", 511, html, login, cause.WantInfo, false, cause.BlockPage, "captive portal"},
		{"400", 400, text, "bad request", cause.WantInfo, false, cause.BadResponse, "400"},
		{"400 on the direct route", 400, text, "bad request", cause.WantGitRefs, false, cause.VCSFailure, "400"},
		{"redirect not followed", 302, h("Location", "https://elsewhere.test/"), "", cause.WantInfo, false, cause.BadResponse, "302"},
	}
	for _, tt := range tests {
		code, detail := cause.FromResponse(tt.status, tt.header, []byte(tt.body), tt.want, tt.redirected)
		if code != tt.code || !strings.Contains(detail, tt.detail) {
			t.Errorf("%s: FromResponse = %s, %q; want %s, detail holding %q", tt.name, code, detail, tt.code, tt.detail)
		}
	}
}
