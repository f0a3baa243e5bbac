package goenv

// Secrets returns the credentials in a string holding URLs (a GOPROXY
// list, HTTPS_PROXY with or without a scheme, a GOAUTH command line):
// userinfo names and passwords and token-like query values, the parts
// Redact replaces, so that a CI log can mask them wherever else they
// appear.
func Secrets(s string) []string {
	urls := urlPattern.FindAllString(s, -1)
	if s != "" && schemeless(s) {
		urls = []string{"http://" + s} // a proxy value net/http reads so
	}
	var out []string
	for _, raw := range urls {
		u, err := parseURL(raw)
		if err != nil {
			continue
		}
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
