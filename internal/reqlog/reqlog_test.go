package reqlog

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestLog: requests are logged in order with their query, Count matches
// "path?query", the most recent matching override answers, and
// ResetHandlers drops them all.
func TestLog(t *testing.T) {
	var l Log
	status := func(code int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) })
	}
	l.Handle(func(p string) bool { return strings.HasSuffix(p, ".zip") }, status(500))
	l.Handle(func(p string) bool { return strings.HasPrefix(p, "/a/") }, status(410))
	for _, tc := range []struct {
		target string
		want   int // 0: no override
	}{
		{"/a/@v/v1.0.0.zip", 410}, // both match: the later wins
		{"/b/@v/v1.0.0.zip", 500},
		{"/b/@v/list", 0},
		{"/repo?go-get=1", 0},
	} {
		h := l.Record(httptest.NewRequest(http.MethodGet, tc.target, nil))
		got := 0
		if h != nil {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.target, nil))
			got = rec.Code
		}
		if got != tc.want {
			t.Errorf("%s: override answered %d, want %d", tc.target, got, tc.want)
		}
	}
	for substr, want := range map[string]int{".zip": 2, "/@v/": 3, "go-get=1": 1, "/repo?go": 1, "/c/": 0} {
		if n := l.Count(substr); n != want {
			t.Errorf("Count(%q) = %d, want %d", substr, n, want)
		}
	}
	reqs := l.Requests()
	if len(reqs) != 4 || reqs[0].Path != "/a/@v/v1.0.0.zip" || reqs[3].Query != "go-get=1" || reqs[3].Proxy {
		t.Errorf("log %+v", reqs)
	}
	l.ResetHandlers()
	if h := l.Record(httptest.NewRequest(http.MethodGet, "/a/@v/v1.0.0.zip", nil)); h != nil {
		t.Error("override still answers after ResetHandlers")
	}
}
