package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/report"
)

var fixtures = []goproxytest.Module{
	{Path: "example.test/good", Version: "v1.0.0", Files: map[string]string{"good.go": "package good\n"}},
	{Path: "example.test/good", Version: "v1.1.0", Files: map[string]string{"good.go": "package good\n"}},
	{Path: "example.test/Upper", Version: "v1.0.0", Files: map[string]string{"u.go": "package upper\n"}},
	{Path: "example.test/incompat", Version: "v2.0.0+incompatible", Files: map[string]string{"i.go": "package incompat\n"}},
	{Path: "example.test/pseudo", Version: "v0.0.0-20240102030405-abcdefabcdef", Files: map[string]string{"p.go": "package pseudo\n"}},
	{Path: "example.test/fork", Version: "v1.2.0", Files: map[string]string{"f.go": "package fork\n"}},
}

// TestResolveMatchesGoCommand is the differential test: for each GOPROXY
// shape, every module's verdict must equal what `go mod download -json`
// reports against the same servers.
func TestResolveMatchesGoCommand(t *testing.T) {
	primary := goproxytest.New(t, fixtures...)
	second := goproxytest.New(t, goproxytest.Module{Path: "example.test/onlyb", Version: "v1.0.0", Files: map[string]string{"b.go": "package onlyb\n"}})
	broken := goproxytest.New(t)
	broken.Handle(func(string) bool { return true }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "internal error", http.StatusInternalServerError)
	}))

	// A proxy that redirects to a portal answering 404 with an HTML page:
	// the go command decides the walk on the status, so ',' moves on.
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("<html><body>Sign in to continue</body></html>"))
	}))
	defer portal.Close()
	redirecting := goproxytest.New(t)
	redirecting.Handle(func(string) bool { return true }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, portal.URL+"/login", http.StatusFound)
	}))

	tests := []struct {
		name    string
		goproxy string
		mods    []string // path@version, required in go.mod
		want    map[string]report.Status
		via     map[string]string
	}{
		{
			name:    "canonical, upper-case, +incompatible and pseudo-versions",
			goproxy: primary.URL(),
			mods:    []string{"example.test/good@v1.0.0", "example.test/Upper@v1.0.0", "example.test/incompat@v2.0.0+incompatible", "example.test/pseudo@v0.0.0-20240102030405-abcdefabcdef"},
			want:    map[string]report.Status{"example.test/good@v1.0.0": "ok", "example.test/Upper@v1.0.0": "ok", "example.test/incompat@v2.0.0+incompatible": "ok", "example.test/pseudo@v0.0.0-20240102030405-abcdefabcdef": "ok"},
		},
		{
			name:    "missing version",
			goproxy: primary.URL(),
			mods:    []string{"example.test/good@v1.9.9", "example.test/absent@v1.0.0"},
			want:    map[string]report.Status{"example.test/good@v1.9.9": "not_found", "example.test/absent@v1.0.0": "not_found"},
		},
		{
			name:    "comma after 404 falls through",
			goproxy: primary.URL() + "," + second.URL(),
			mods:    []string{"example.test/good@v1.0.0", "example.test/onlyb@v1.0.0"},
			want:    map[string]report.Status{"example.test/good@v1.0.0": "ok", "example.test/onlyb@v1.0.0": "ok"},
			via:     map[string]string{"example.test/onlyb@v1.0.0": second.URL()},
		},
		{
			name:    "comma after 500 stops",
			goproxy: broken.URL() + "," + second.URL(),
			mods:    []string{"example.test/onlyb@v1.0.0"},
			want:    map[string]report.Status{"example.test/onlyb@v1.0.0": "unreachable"},
		},
		{
			name:    "pipe after 500 falls through",
			goproxy: broken.URL() + "|" + second.URL(),
			mods:    []string{"example.test/onlyb@v1.0.0"},
			want:    map[string]report.Status{"example.test/onlyb@v1.0.0": "ok"},
			via:     map[string]string{"example.test/onlyb@v1.0.0": second.URL()},
		},
		{
			name:    "comma after an HTML 404 reached by redirect falls through",
			goproxy: redirecting.URL() + "," + second.URL(),
			mods:    []string{"example.test/onlyb@v1.0.0"},
			want:    map[string]report.Status{"example.test/onlyb@v1.0.0": "ok"},
			via:     map[string]string{"example.test/onlyb@v1.0.0": second.URL()},
		},
		{
			name:    "off",
			goproxy: "off",
			mods:    []string{"example.test/good@v1.0.0"},
			want:    map[string]report.Status{"example.test/good@v1.0.0": "unreachable"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req strings.Builder
			for _, m := range tt.mods {
				p, v, _ := strings.Cut(m, "@")
				req.WriteString("require " + p + " " + v + "\n")
			}
			dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\n" + req.String()})
			// No go.sum: -mod=mod, as for the judge, lets the go command add it.
			tr := runTool(t, map[string]string{"GOPROXY": tt.goproxy, "GOMODCACHE": t.TempDir(), "GOFLAGS": "-mod=mod"}, "--retries", "0", dir)
			verdicts := judge(t, []string{"GOPROXY=" + tt.goproxy}, tt.mods...)
			failed := false
			for _, id := range tt.mods {
				p, v, _ := strings.Cut(id, "@")
				m := tr.module(t, p, v)
				if m.Status != tt.want[id] {
					t.Errorf("%s: status %s (%s: %s), want %s", id, m.Status, m.Cause, m.Detail, tt.want[id])
				}
				goErr, ok := verdicts[id]
				if !ok {
					t.Fatalf("the go command said nothing of %s: %v", id, verdicts)
				}
				if (m.Status == report.StatusOK) != (goErr == "") {
					t.Errorf("%s: gopreflight says %s, the go command says %q", id, m.Status, goErr)
				}
				if m.Status == report.StatusNotFound && !strings.Contains(goErr, "404") && !strings.Contains(goErr, "410") {
					t.Errorf("%s: not_found, but the go command's error is not a 404/410: %q", id, goErr)
				}
				if want, ok := tt.via[id]; ok && m.Via != want {
					t.Errorf("%s: via %s, want %s", id, m.Via, want)
				}
				failed = failed || m.Status != report.StatusOK
			}
			if wantCode := map[bool]int{false: 0, true: 1}[failed]; tr.code != wantCode {
				t.Errorf("exit code %d, want %d\n%s%s", tr.code, wantCode, tr.stdout, tr.stderr)
			}
		})
	}
}

// TestDeadline: with every endpoint stalled, the run still ends within
// --timeout plus a second, with a report marking the modules timeout.
func TestDeadline(t *testing.T) {
	stalled := goproxytest.New(t)
	stalled.Handle(func(string) bool { return true }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stalled.Done():
		}
	}))
	dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire (\n\texample.test/a v1.0.0\n\texample.test/b v1.0.0\n)\n"})
	start := time.Now()
	tr := runTool(t, map[string]string{"GOPROXY": stalled.URL()}, "--timeout", "2s", "--request-timeout", "10s", dir)
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("run took %v with --timeout 2s", el)
	}
	if tr.code != 1 {
		t.Errorf("exit code %d, want 1", tr.code)
	}
	for _, m := range tr.rep.Modules {
		if m.Status != report.StatusTimeout {
			t.Errorf("%s: status %s, want timeout", m.ID(), m.Status)
		}
	}
}
