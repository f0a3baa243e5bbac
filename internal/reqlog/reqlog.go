// Package reqlog is what the loopback test servers (goproxytest,
// sumdbtest, gittest) share: a log of the requests a server received and
// the handlers a test puts in place of its answers (fault injection).
// A server embeds a Log and calls Record first in its handler.
package reqlog

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// A Request is one request a server received.
type Request struct {
	Method string
	Host   string // r.Host: the discovery host for proxied requests
	// Path is the URL path, percent-decoded but still case-escaped
	// ("/example.test/!upper/@v/list"), as the server's handler sees it.
	Path   string
	Query  string // raw query, e.g. "go-get=1"
	Proto  string // "HTTP/1.1", "HTTP/2.0"
	Proxy  bool   // absolute-form (forward proxy) request or CONNECT
	Header http.Header
	Time   time.Time
}

// A Log records requests and holds the override handlers. Its methods are
// safe for concurrent use; the zero Log is ready.
type Log struct {
	mu        sync.Mutex
	reqs      []Request
	overrides []override
}

type override struct {
	match func(string) bool
	h     http.Handler
}

// Handle makes requests whose URL path (as Request.Path) satisfies match
// be answered by h instead: a status, an HTML page, a stall, a redirect.
// The most recently registered match wins. A stalling handler must return
// once r.Context() is done, or the server's cleanup waits for it.
func (l *Log) Handle(match func(path string) bool, h http.Handler) {
	l.mu.Lock()
	l.overrides = append(l.overrides, override{match, h})
	l.mu.Unlock()
}

// ResetHandlers drops every Handle override.
func (l *Log) ResetHandlers() {
	l.mu.Lock()
	l.overrides = nil
	l.mu.Unlock()
}

// Requests returns a copy of the request log.
func (l *Log) Requests() []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Request(nil), l.reqs...)
}

// Count returns how many requests had a path (with "?query" when there
// is one) containing substr.
func (l *Log) Count(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.reqs {
		p := r.Path
		if r.Query != "" {
			p += "?" + r.Query
		}
		if strings.Contains(p, substr) {
			n++
		}
	}
	return n
}

// Record logs r and returns the override handler for its path, nil when
// none matches.
func (l *Log) Record(r *http.Request) http.Handler {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, Request{
		Method: r.Method, Host: r.Host, Path: r.URL.Path, Query: r.URL.RawQuery, Proto: r.Proto,
		Proxy: r.Method == http.MethodConnect || r.URL.IsAbs(), Header: r.Header.Clone(), Time: time.Now(),
	})
	for i := len(l.overrides) - 1; i >= 0; i-- {
		if l.overrides[i].match(r.URL.Path) {
			return l.overrides[i].h
		}
	}
	return nil
}
