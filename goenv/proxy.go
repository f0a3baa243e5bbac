package goenv

import (
	"errors"
	"fmt"
	"net/url"
	pathpkg "path"
	"path/filepath"
	"strings"
)

// Special GOPROXY entries.
const (
	Direct = "direct"
	Off    = "off"
)

// ProxyEntry is one element of a GOPROXY list.
type ProxyEntry struct {
	// URL is the proxy base URL, or Direct or Off.
	URL string
	// FallBackOnError is true when the entry was followed by '|': any
	// error moves on to the next entry, not only 404 and 410.
	FallBackOnError bool
}

// ParseProxyList parses a GOPROXY value exactly as the go command does:
// entries separated by ',' or '|', "off" and "direct" ending the list,
// a bare host meaning https://, and one bad entry rejecting the whole list.
func ParseProxyList(goproxy string) ([]ProxyEntry, error) {
	var list []ProxyEntry
	rest := goproxy
	for rest != "" {
		var u string
		fallBack := false
		if i := strings.IndexAny(rest, ",|"); i >= 0 {
			u, fallBack, rest = rest[:i], rest[i] == '|', rest[i+1:]
		} else {
			u, rest = rest, ""
		}
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		if u == Off || u == Direct {
			// Both end the list; later entries are ignored by the go command.
			list = append(list, ProxyEntry{URL: u})
			break
		}
		if strings.ContainsAny(u, ".:/") && !strings.Contains(u, ":/") && !filepath.IsAbs(u) && !pathpkg.IsAbs(u) {
			u = "https://" + u
		}
		if err := checkProxyURL(u); err != nil {
			return nil, fmt.Errorf("invalid GOPROXY entry %q: %w", Redact(u), err)
		}
		list = append(list, ProxyEntry{URL: u, FallBackOnError: fallBack})
	}
	if len(list) == 0 {
		return nil, errors.New("GOPROXY list is not the empty string, but contains no entries")
	}
	return list, nil
}

// checkProxyURL accepts what cmd/go's newProxyRepo accepts, no more and
// no less: an http, https or file URL. An http(s) URL with no host
// ("https://") is accepted too: the go command's requests to it fail, so
// after '|' the next entry serves the build.
func checkProxyURL(raw string) error {
	base, err := url.Parse(raw)
	if err != nil {
		return errors.Unwrap(err) // url.Error repeats the URL, which may hold a secret
	}
	switch base.Scheme {
	case "http", "https":
		return nil
	case "file":
		if *base != (url.URL{Scheme: base.Scheme, Path: base.Path, RawPath: base.RawPath}) {
			return errors.New("file:// proxy URL with non-path elements")
		}
		return nil
	case "":
		return errors.New("missing scheme")
	default:
		return errors.New("scheme must be https, http or file")
	}
}

// String formats a list back into GOPROXY syntax.
func FormatProxyList(list []ProxyEntry) string {
	var b strings.Builder
	for i, e := range list {
		if i > 0 {
			if list[i-1].FallBackOnError {
				b.WriteByte('|')
			} else {
				b.WriteByte(',')
			}
		}
		b.WriteString(e.URL)
	}
	return b.String()
}

// NoHost reports whether an http(s) GOPROXY entry names no host
// ("https://"): the go command accepts it, and every request to it fails
// before reaching the network ("http: no Host in request URL").
func NoHost(entry string) bool {
	u, err := url.Parse(entry)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host == ""
}

// ProxyURL is the URL of rel ("example.test/x/@v/list",
// "sumdb/sum.golang.org/supported") below the proxy base URL, built as
// cmd/go builds it (modfetch's newProxyRepo and getBody, web.Join): rel
// is joined to the base URL's path, with its path-unsafe characters
// escaped, and the base's query string, if any, stays at the end
// ("https://h/p?token=T" gives "https://h/p/example.test/x/@v/list?token=T").
func ProxyURL(base, rel string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("proxy URL %q: %w", Redact(base), errors.Unwrap(err))
	}
	rel = strings.TrimPrefix(rel, "/")
	j := *u
	j.Path = strings.TrimSuffix(u.Path, "/") + "/" + rel
	j.RawPath = strings.TrimSuffix(u.EscapedPath(), "/") + "/" + strings.ReplaceAll(url.PathEscape(rel), "%2F", "/")
	return j.String(), nil
}

// IsFile says whether a GOPROXY entry is a file:// directory, which the
// go command reads with no request.
func IsFile(entry string) bool { return strings.HasPrefix(entry, "file:") }
