package goenv

import (
	"net/url"
	"regexp"
	"strings"
)

// tokenParam matches query parameter names that carry credentials.
var tokenParam = regexp.MustCompile(`(?i)(token|key|secret|sig|signature|password|passwd|auth|credential|access|session)`)

// Redact removes credentials from a URL or from a string holding URLs:
// userinfo and token-like query values become ***. Strings that do not
// parse are scanned for user:pass@ patterns.
func Redact(s string) string {
	if !strings.Contains(s, "://") || !strings.ContainsAny(s, "@?") {
		return s // no userinfo and no query: nothing to hide (the hot path)
	}
	return urlPattern.ReplaceAllStringFunc(s, redactURL)
}

var urlPattern = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>|,]+`)

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// Keep nothing between :// and @ when the URL does not parse.
		if i, j := strings.Index(raw, "://"), strings.LastIndex(raw, "@"); i >= 0 && j > i {
			return raw[:i+3] + "***@" + raw[j+1:]
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
