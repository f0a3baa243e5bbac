package goenv

import (
	"net/url"
	"strings"

	"github.com/gopreflight/gopreflight/textguard"
)

// Secrets returns the credentials in a string holding URLs (a GOPROXY
// list, HTTPS_PROXY with or without a scheme, a GOAUTH command line):
// userinfo names and passwords and token-like query values, the parts
// Redact replaces, so that a CI log can mask them wherever else they
// appear.
func Secrets(s string) []string {
	var out []string
	for _, u := range credentialURLs(s) {
		if u.User != nil {
			out = append(out, u.User.Username())
			if p, ok := u.User.Password(); ok {
				out = append(out, p, u.User.String())
			}
		}
		for k, vs := range u.Query() {
			if tokenParam.MatchString(k) {
				out = append(out, vs...)
			}
		}
	}
	return out
}

// placeholderLogins are the user names git hosts and registries take
// beside a token: not secrets, and too common to blank out of a log.
var placeholderLogins = map[string]bool{
	"git": true, "oauth2": true, "x-access-token": true, "x-oauth-basic": true,
	"token": true, "__token__": true, "gitlab-ci-token": true,
}

// KnownSecrets returns every credential the run knows, in the shapes
// they can take on the wire (textguard.Forms): userinfo and token query
// values of GOPROXY, GOSUMDB, GOAUTH, the proxy variables and extra
// (--proxy, --candidates), and the .netrc logins and passwords. Server
// text is redacted with them before it is stored; in Actions they are
// masked.
func (e *Env) KnownSecrets(netrc []Credential, extra ...string) []string {
	values := append([]string{e.GOPROXY, e.GOSUMDB, e.GOAUTH}, extra...)
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "GOPROXY", "GOSUMDB", "GOAUTH"} {
		values = append(values, e.Getenv(k))
	}
	var plain []string
	var pairs []textguard.Pair
	for _, v := range values {
		plain = append(plain, Secrets(v)...)
		pairs = append(pairs, userinfos(v)...)
	}
	for _, c := range netrc {
		if !placeholderLogins[strings.ToLower(c.Login)] {
			plain = append(plain, c.Login)
		}
		pairs = append(pairs, textguard.Pair{User: c.Login, Pass: c.Password})
	}
	return textguard.Forms(plain, pairs)
}

// userinfos returns the user:password pairs of the URLs in s.
func userinfos(s string) []textguard.Pair {
	var out []textguard.Pair
	for _, u := range credentialURLs(s) {
		if u.User != nil {
			p, _ := u.User.Password()
			out = append(out, textguard.Pair{User: u.User.Username(), Pass: p})
		}
	}
	return out
}

// credentialURLs parses the URLs in s that may carry credentials: those
// in the text, or s itself for a proxy value with no scheme.
func credentialURLs(s string) []*url.URL {
	raws := urlPattern.FindAllString(s, -1)
	if s != "" && schemeless(s) {
		raws = []string{"http://" + s} // a proxy value net/http reads so
	}
	var out []*url.URL
	for _, raw := range raws {
		if u, err := parseURL(raw); err == nil {
			out = append(out, u)
		}
	}
	return out
}
