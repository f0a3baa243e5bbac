// Package goproxytest runs a real GOPROXY-protocol module proxy on
// 127.0.0.1 for hermetic tests.
//
// It serves, exactly as cmd/go expects (see `go help goproxy`):
//
//	<module>/@v/list              tagged versions, one a line (no pseudo-versions)
//	<module>/@v/<version>.info    {"Version": ..., "Time": ...}
//	<module>/@v/<version>.mod     the module's go.mod
//	<module>/@v/<version>.zip     built with golang.org/x/mod/zip
//	<module>/@latest              .info of the latest version
//	/sumdb/<name>/supported, /sumdb/<name>/...   with ProxySumDB
//
// with module paths and versions case-escaped (module.EscapePath). GET and
// HEAD are served; files go through http.ServeContent, so Range requests work.
// An unknown module or version is a 404 with a plain-text "not found: ..."
// body, as from a real proxy; Gone makes a version answer 410.
//
// The go command accepts this server with GOPROXY=<URL()> (over HTTPS and
// HTTP/2 with NewTLS and SSL_CERT_FILE=<test CA>), and computes the same
// go.sum lines as GoSum (see the differential tests). It percent-encodes the
// "!" of case-escaping (%21); Request.Path and Handle see the decoded form.
// To run the go command hermetically, use GoEnv: temporary GOPATH,
// GOMODCACHE and GOCACHE, GOENV=off, GOTOOLCHAIN=local, GOWORK=off,
// GOFLAGS=-mod=mod, empty GOPRIVATE/GONOPROXY/GONOSUMDB/GOINSECURE, no proxy
// variables, and a cleanup that makes the read-only module cache removable.
package goproxytest

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/gopreflight/gopreflight/internal/modbuild"
	"github.com/gopreflight/gopreflight/internal/reqlog"
	"github.com/gopreflight/gopreflight/internal/sumdbtest"
	"github.com/gopreflight/gopreflight/modhash"
)

// DefaultTime is the .info Time of a module whose Time is zero (for a
// pseudo-version: the time the pseudo-version encodes).
var DefaultTime = modbuild.DefaultTime

// A Module is one module version the proxy serves.
type Module struct {
	Path    string            // module path, e.g. "example.test/a" or "example.test/Upper"
	Version string            // canonical version: "v1.2.0", "v2.0.0+incompatible", a pseudo-version
	Files   map[string]string // file name (slash-separated, relative to the module root) -> content
	Time    time.Time         // .info Time; zero means DefaultTime
}

// A Server is a module proxy. Its methods are safe for concurrent use.
type Server struct {
	t      testing.TB
	srv    *httptest.Server
	closed chan struct{}

	// Log records requests and holds the Handle overrides (fault
	// injection: 500, 410, an HTML page, a stall, a redirect); SetLatency
	// applies to overridden answers too. A stalling handler must also
	// return once Done() is done.
	reqlog.Log

	mu      sync.Mutex
	mods    map[string]*entry // "path@version" -> entry
	latency time.Duration
	sumdbs  map[string]http.Handler // sumdb name -> handler
}

type entry struct {
	path, version string
	info          []byte
	mod           []byte // the go.mod that go.sum is computed from
	zip           []byte
	time          time.Time
	servedMod     []byte // Tamper: served instead of mod
	servedZip     []byte // TamperZip: served instead of zip
	status        int    // 0: served; 404: removed; 410: gone
}

// New starts a plain-HTTP proxy serving mods, stopped at test cleanup.
func New(t testing.TB, mods ...Module) *Server {
	t.Helper()
	s := newServer(t)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.Add(mods...)
	return s
}

// NewTLS starts an HTTPS proxy (HTTP/2 and HTTP/1.1) presenting cert, which
// should be issued by the caller's test CA for 127.0.0.1 (and any name the
// test routes to it).
func NewTLS(t testing.TB, cert tls.Certificate, mods ...Module) *Server {
	t.Helper()
	s := newServer(t)
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.srv.EnableHTTP2 = true
	// httptest would offer only "h2" when NextProtos is nil.
	s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}
	s.srv.StartTLS()
	s.Add(mods...)
	return s
}

func newServer(t testing.TB) *Server {
	s := &Server{
		t:      t,
		closed: make(chan struct{}),
		mods:   make(map[string]*entry),
		sumdbs: make(map[string]http.Handler),
	}
	t.Cleanup(s.close)
	return s
}

func (s *Server) close() {
	// Close waits for active requests: cut connections first so that
	// stalled handlers see their context done and answer nobody, then
	// release the rest.
	s.srv.CloseClientConnections()
	close(s.closed)
	s.srv.Close()
}

// URL returns the base URL to put in GOPROXY.
func (s *Server) URL() string { return s.srv.URL }

// Client returns an HTTP client that trusts the server (for NewTLS: through
// httptest's pool, which holds cert's leaf, not the caller's CA).
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Done is closed when the server shuts down; stalling fault handlers should
// return when it or r.Context() is done.
func (s *Server) Done() <-chan struct{} { return s.closed }

// Add makes mods available (replacing a version with the same path and
// version, even a removed one). A module that x/mod/zip rejects fails the
// test with t.Errorf, so Add may be called from any goroutine.
func (s *Server) Add(mods ...Module) {
	for _, m := range mods {
		e, err := build(m)
		if err != nil {
			s.t.Errorf("goproxytest: %s@%s: %v", m.Path, m.Version, err)
			continue
		}
		s.mu.Lock()
		s.mods[m.Path+"@"+m.Version] = e
		s.mu.Unlock()
	}
}

// Remove makes path@version answer 404, as if a proxy had never had it or
// pruned it; list and @latest stop showing it.
func (s *Server) Remove(path, version string) { s.setStatus(path, version, http.StatusNotFound) }

// Gone makes path@version answer 410 Gone; list and @latest stop showing it.
func (s *Server) Gone(path, version string) { s.setStatus(path, version, http.StatusGone) }

func (s *Server) setStatus(path, version string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.mods[path+"@"+version]
	if e == nil {
		s.t.Errorf("goproxytest: %s@%s was never added", path, version)
		return
	}
	e.status = code
}

// Tamper makes the proxy serve mod as path@version's .mod instead of the
// go.mod that GoSum was computed from.
func (s *Server) Tamper(path, version, mod string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.mods[path+"@"+version]
	if e == nil {
		s.t.Errorf("goproxytest: %s@%s was never added", path, version)
		return
	}
	e.servedMod = []byte(mod)
}

// TamperZip makes the proxy serve a zip built from files as path@version's
// .zip, while GoSum keeps describing the original.
func (s *Server) TamperZip(path, version string, files map[string]string) {
	alt, err := build(Module{Path: path, Version: version, Files: files})
	if err != nil {
		s.t.Errorf("goproxytest: TamperZip %s@%s: %v", path, version, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.mods[path+"@"+version]
	if e == nil {
		s.t.Errorf("goproxytest: %s@%s was never added", path, version)
		return
	}
	e.servedZip = alt.zip
}

// GoSum returns the exact go.sum lines for path@version, computed over the
// zip bytes and go.mod the proxy serves (before any Tamper):
// "path version h1:..." and "path version/go.mod h1:...". An unknown
// module fails the test with t.Fatalf: call it from the test goroutine.
func (s *Server) GoSum(path, version string) (zipLine, modLine string) {
	s.mu.Lock()
	e := s.mods[path+"@"+version]
	s.mu.Unlock()
	if e == nil {
		s.t.Fatalf("goproxytest: GoSum: %s@%s was never added", path, version)
	}
	zh, err := modhash.Zip(e.zip)
	if err != nil {
		s.t.Fatalf("goproxytest: GoSum: %v", err)
	}
	mh, err := modhash.Mod(e.mod)
	if err != nil {
		s.t.Fatalf("goproxytest: GoSum: %v", err)
	}
	return fmt.Sprintf("%s %s %s", path, version, zh), fmt.Sprintf("%s %s/go.mod %s", path, version, mh)
}

// Zip returns the zip bytes served for path@version (nil if never added).
func (s *Server) Zip(path, version string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.mods[path+"@"+version]; e != nil {
		return e.zip
	}
	return nil
}

// SetLatency delays every response by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.latency = d
	s.mu.Unlock()
}

// ProxySumDB makes the proxy answer /sumdb/<db.Name()>/supported with 200
// and pass /sumdb/<db.Name()>/<rest> to the database, as proxies that proxy
// a checksum database do. Other /sumdb/ paths answer 404.
func (s *Server) ProxySumDB(db *sumdbtest.DB) {
	s.mu.Lock()
	s.sumdbs[db.Name()] = db.Handler()
	s.mu.Unlock()
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	h := s.Record(r) // on the decoded path: the go command sends "!" as %21
	s.mu.Lock()
	latency := s.latency
	s.mu.Unlock()

	if latency > 0 {
		tm := time.NewTimer(latency)
		select {
		case <-tm.C:
		case <-r.Context().Done():
			tm.Stop()
			return
		case <-s.closed:
			tm.Stop()
			panic(http.ErrAbortHandler) // drop the connection, answer nothing
		}
	}
	if h != nil {
		h.ServeHTTP(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/sumdb/"); ok {
		s.serveSumDB(w, r, rest)
		return
	}
	s.serveModule(w, r, r.URL.Path)
}

func (s *Server) serveSumDB(w http.ResponseWriter, r *http.Request, rest string) {
	s.mu.Lock()
	var name string
	var h http.Handler
	for n, dh := range s.sumdbs {
		// Names may hold a path; take the longest that matches.
		if (rest == n || strings.HasPrefix(rest, n+"/")) && len(n) > len(name) {
			name, h = n, dh
		}
	}
	s.mu.Unlock()
	if h == nil {
		http.Error(w, "not found: no checksum database "+rest, http.StatusNotFound)
		return
	}
	sub := strings.TrimPrefix(rest, name)
	if sub == "/supported" {
		w.WriteHeader(http.StatusOK)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = sub
	r2.URL.RawPath = ""
	h.ServeHTTP(w, r2)
}

func (s *Server) serveModule(w http.ResponseWriter, r *http.Request, p string) {
	p = strings.TrimPrefix(p, "/")
	var escMod, file string
	if m, ok := strings.CutSuffix(p, "/@latest"); ok {
		escMod, file = m, "@latest"
	} else if m, f, ok := strings.Cut(p, "/@v/"); ok {
		escMod, file = m, f
	} else {
		http.Error(w, "not found: "+p, http.StatusNotFound)
		return
	}
	path, err := module.UnescapePath(escMod)
	if err != nil {
		http.Error(w, "bad request: invalid escaped module path", http.StatusBadRequest)
		return
	}

	if file == "list" || file == "@latest" {
		s.serveQuery(w, r, path, file)
		return
	}
	ext := file[strings.LastIndex(file, ".")+1:]
	escVer := strings.TrimSuffix(file, "."+ext)
	version, err := module.UnescapeVersion(escVer)
	if err != nil || (ext != "info" && ext != "mod" && ext != "zip") {
		http.Error(w, "not found: "+p, http.StatusNotFound)
		return
	}
	s.mu.Lock()
	e := s.mods[path+"@"+version]
	var body []byte
	var ctype string
	var status int
	var mt time.Time
	if e != nil {
		status, mt = e.status, e.time
		switch ext {
		case "info":
			body, ctype = e.info, "application/json"
		case "mod":
			body, ctype = e.mod, "text/plain; charset=utf-8"
			if e.servedMod != nil {
				body = e.servedMod
			}
		case "zip":
			body, ctype = e.zip, "application/zip"
			if e.servedZip != nil {
				body = e.servedZip
			}
		}
	}
	s.mu.Unlock()
	switch {
	case e == nil || status == http.StatusNotFound:
		http.Error(w, fmt.Sprintf("not found: %s@%s: invalid version: unknown revision %s", path, version, version), http.StatusNotFound)
		return
	case status == http.StatusGone:
		http.Error(w, fmt.Sprintf("not found: %s@%s: gone", path, version), http.StatusGone)
		return
	}
	w.Header().Set("Content-Type", ctype)
	http.ServeContent(w, r, file, mt, bytes.NewReader(body))
}

// serveQuery answers @v/list and @latest for path.
func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request, path, file string) {
	s.mu.Lock()
	var vers []*entry
	known := false
	for _, e := range s.mods {
		if e.path == path {
			known = true
			if e.status == 0 {
				vers = append(vers, e)
			}
		}
	}
	s.mu.Unlock()
	sort.Slice(vers, func(i, j int) bool { return semver.Compare(vers[i].version, vers[j].version) < 0 })

	if file == "list" {
		if !known {
			http.Error(w, "not found: module "+path+": no matching versions", http.StatusNotFound)
			return
		}
		var b strings.Builder
		for _, e := range vers {
			if !module.IsPseudoVersion(e.version) {
				b.WriteString(e.version + "\n")
			}
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, b.String())
		return
	}
	// @latest: the highest release, else the highest pre-release, else the
	// highest pseudo-version, as cmd/go's own query would pick.
	var best *entry
	for pass := 0; pass < 3 && best == nil; pass++ {
		for _, e := range vers {
			pseudo := module.IsPseudoVersion(e.version)
			pre := semver.Prerelease(e.version) != ""
			if (pass == 0 && !pseudo && !pre) || (pass == 1 && !pseudo) || pass == 2 {
				best = e // vers is sorted ascending: the last match is the highest
			}
		}
	}
	if best == nil {
		http.Error(w, "not found: module "+path+": no matching versions", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(best.info)
}

// build validates m and builds everything served for it.
func build(m Module) (*entry, error) {
	v, err := modbuild.Build(module.Version{Path: m.Path, Version: m.Version}, m.Files, m.Time)
	if err != nil {
		return nil, err
	}
	return &entry{path: m.Path, version: m.Version, info: v.Info, mod: v.Mod, zip: v.Zip, time: v.Time}, nil
}

// GoEnv returns a minimal environment for running the real go command
// hermetically: PATH, a temporary HOME, GOPATH, GOMODCACHE and GOCACHE,
// GOENV=off, GOTOOLCHAIN=local, GOWORK=off, GOFLAGS=-mod=mod, GOPROXY=off,
// GOSUMDB=off, empty GOPRIVATE/GONOPROXY/GONOSUMDB/GOINSECURE/GOVCS, and
// git isolated from the user's configuration (GIT_CONFIG_NOSYSTEM=1,
// GIT_CONFIG_GLOBAL=os.DevNull, GIT_TERMINAL_PROMPT=0). No proxy variables
// are inherited. vars ("KEY=value") override or extend it. A cleanup makes
// the module cache writable again so that t.TempDir can remove it.
func GoEnv(t testing.TB, vars ...string) []string {
	t.Helper()
	dir := t.TempDir()
	modcache := dir + "/modcache"
	t.Cleanup(func() { makeWritable(modcache) })
	// Telemetry off, as `go telemetry off` records it: otherwise a child
	// process the go command leaves behind writes into HOME while
	// t.TempDir is being removed.
	telemetry := filepath.Join(dir, "home", ".config", "go", "telemetry")
	if err := os.MkdirAll(telemetry, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(telemetry, "mode"), []byte("off"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + getenv("PATH"),
		"HOME=" + dir + "/home",
		"GOENV=off",
		"GOPATH=" + dir + "/gopath",
		"GOMODCACHE=" + modcache,
		"GOCACHE=" + dir + "/gocache",
		"GOTOOLCHAIN=local",
		"GOWORK=off",
		"GOFLAGS=-mod=mod",
		"GOPROXY=off",
		"GOSUMDB=off",
		"GOPRIVATE=",
		"GONOPROXY=",
		"GONOSUMDB=",
		"GOINSECURE=",
		"GOVCS=",
		"GOAUTH=off",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
	}
	if tmp := getenv("TMPDIR"); tmp != "" {
		env = append(env, "TMPDIR="+tmp)
	}
	for _, kv := range vars {
		k, _, _ := strings.Cut(kv, "=")
		out := env[:0]
		for _, old := range env {
			if !strings.HasPrefix(old, k+"=") {
				out = append(out, old)
			}
		}
		env = append(out, kv)
	}
	return env
}

func getenv(k string) string { return os.Getenv(k) }

// makeWritable undoes the read-only modes the go command gives the module
// cache. Errors are ignored: cleanup then reports what it cannot remove.
func makeWritable(dir string) {
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
}
