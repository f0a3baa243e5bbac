package goenv

import (
	"net/url"
	"regexp"
	"strings"
)

// tokenParam matches query parameter names that carry credentials.
var tokenParam = regexp.MustCompile(`(?i)(token|key|secret|sig|signature|password|passwd|auth|credential|access|session)`)

// Redact removes credentials from a URL or from a string holding URLs:
// userinfo and token-like query values become ***. A whole string without
// a scheme shaped user:pass@host is read as a proxy value, the way
// net/http reads HTTPS_PROXY; RedactProxy also hides a lone user name.
func Redact(s string) string {
	if !strings.ContainsAny(s, "@?") {
		return s // no userinfo and no query: nothing to hide (the hot path)
	}
	if schemeless(s) {
		if at := strings.LastIndex(s, "@"); at > 0 && strings.Contains(s[:at], ":") && !strings.Contains(s[:at], "/") {
			return RedactProxy(s) // user:pass@host, not module@version
		}
		return s
	}
	if r := urlPattern.ReplaceAllStringFunc(s, redactURL); r != s {
		return r
	}
	// Every module URL has an "@v/": keep the string given, not the
	// regexp's copy of it, which a report of many modules keeps alive.
	return s
}

// RedactProxy redacts a proxy variable's value (HTTPS_PROXY, HTTP_PROXY,
// ALL_PROXY), which may omit the scheme: net/http then reads it as
// http://value, so its userinfo is a credential too.
func RedactProxy(v string) string {
	if !strings.ContainsAny(v, "@?") {
		return v
	}
	if !schemeless(v) {
		return Redact(v)
	}
	return strings.TrimPrefix(redactURL("http://"+v), "http://")
}

// schemeless reports whether s is a single URL-like token without a
// scheme, such as a proxy value "user:pass@proxy.example:3128".
func schemeless(s string) bool {
	return !strings.Contains(s, "://") && strings.TrimSpace(s) == s && !strings.ContainsAny(s, " \t\r\n")
}

// urlPattern matches URLs in free text. The userinfo runs to the last @
// before the path, so a password holding , | or quotes is taken whole;
// the host and the path stop at the separators of lists and quoted text.
// The path may hold @ (a module request's "/@v/", "/@latest"), so that a
// query after it is matched, and redacted, with its URL.
var urlPattern = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://(?:[^\s/?#<>]*@)?[^\s"'<>|,@/?#]*(?:[/?#][^\s"'<>|,]*)?`)

// parseURL parses raw like url.Parse, also accepting a userinfo url.Parse
// rejects (a password with | or "), which a proxy setting may still hold.
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err == nil {
		return u, nil
	}
	i := strings.Index(raw, "://")
	end := len(raw)
	if k := strings.IndexAny(raw[i+3:], "/?#"); k >= 0 {
		end = i + 3 + k
	}
	j := strings.LastIndex(raw[:end], "@")
	if i < 0 || j < i+3 {
		return nil, err
	}
	u, perr := url.Parse(raw[:i+3] + raw[j+1:])
	if perr != nil {
		return nil, err
	}
	name, pass, hasPass := strings.Cut(raw[i+3:j], ":")
	if n, e := url.PathUnescape(name); e == nil {
		name = n
	}
	if p, e := url.PathUnescape(pass); e == nil {
		pass = p
	}
	u.User = url.User(name)
	if hasPass {
		u.User = url.UserPassword(name, pass)
	}
	return u, nil
}

func redactURL(raw string) string {
	u, err := parseURL(raw)
	if err != nil {
		// Keep nothing between :// and @ when the URL does not parse.
		if i := strings.Index(raw, "://"); i >= 0 {
			end := len(raw)
			if k := strings.IndexAny(raw[i+3:], "/?#"); k >= 0 {
				end = i + 3 + k // an @ in the path is not userinfo
			}
			if j := strings.LastIndex(raw[:end], "@"); j > i {
				return raw[:i+3] + "***@" + raw[j+1:]
			}
		}
		return raw
	}
	changed := false
	if u.User != nil {
		u.User = url.User("***")
		changed = true
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if tokenParam.MatchString(k) {
				q[k] = []string{"***"}
				changed = true
			}
		}
		if changed {
			u.RawQuery = strings.ReplaceAll(q.Encode(), "%2A%2A%2A", "***")
		}
	}
	if !changed {
		return raw
	}
	return strings.Replace(u.String(), "%2A%2A%2A@", "***@", 1)
}
