// Package gittest runs a real git smart-HTTP server with go-get discovery on
// 127.0.0.1 for hermetic tests of the `direct` (VCS) route.
//
// Repositories are real: AddRepo runs git init/add/commit/tag and serves a
// bare copy through `git http-backend` (net/http/cgi), so `git ls-remote`,
// `git fetch` and the go command all talk the genuine protocol (v0 or v2).
// ServeGoImport answers `?go-get=1` with a go-import meta tag.
//
// # Routes the real go command accepts hermetically
//
// The go command's module paths cannot name a port ("127.0.0.1:PORT/x" is
// not a valid module path), and discovery needs a dotted host that DNS would
// resolve. Two routes work with nothing but loopback traffic; both are
// exercised by this package's tests against the real go command:
//
// 1. A path with a ".git" element, e.g. module "example.test/repo.git".
// The go command skips discovery, pings `git ls-remote https://example.test/repo`
// (note: without ".git"; git http-backend finds repo.git) and fetches from
// that URL, which a git `url.<base>.insteadOf` rewrite sends here:
//
//	GOPROXY=direct GOPRIVATE=example.test GOSUMDB=off (or GONOSUMDB)
//	GIT_CONFIG_GLOBAL=<s.WriteGitConfig("example.test")> GIT_CONFIG_NOSYSTEM=1
//
// No GOINSECURE is needed: the go command sees an https URL; only git knows
// it is rewritten to http://127.0.0.1:PORT/.
//
// 2. go-get discovery for any path, e.g. module "example.test/mod", through
// this server acting as the HTTP forward proxy for the discovery request
// (it answers discovery for registered hosts, tunnels CONNECT only to
// itself, and never dials anywhere else):
//
//	GOPROXY=direct GOPRIVATE=example.test GOSUMDB=off
//	HTTP_PROXY=<s.URL()> HTTPS_PROXY=<s.URL()> NO_PROXY=127.0.0.1,localhost
//	GOINSECURE=example.test    (plain server: the https attempt fails, the
//	                            go command falls back to http://)
//
// The meta tag names http://127.0.0.1:PORT/<name>.git, which the go command
// and git use as given (GOINSECURE governs discovery only); Go's net/http
// never proxies loopback addresses, and NO_PROXY keeps git (curl) direct.
// With Options.TLS the server is an HTTPS proxy and CONNECT tunnels to
// itself, so discovery is https and needs no GOINSECURE: set
// SSL_CERT_FILE and GIT_SSL_CAINFO to the test CA, HTTPS_PROXY=<s.URL()>,
// and use a certificate valid for the discovery host and 127.0.0.1.
//
// Git must be on PATH (tests skip otherwise); git 2.39 is known to work.
package gittest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/internal/reqlog"
)

// Options configures a Server.
type Options struct {
	// TLS, if set, makes the server speak HTTPS (HTTP/1.1 only) with this
	// certificate, issued by the caller's test CA.
	TLS *tls.Certificate
	// User and Password, if User is set, are required as HTTP basic auth on
	// the repositories (401 with WWW-Authenticate otherwise).
	User, Password string
	// AuthGoImport also requires them for ?go-get=1 discovery.
	AuthGoImport bool
}

// A Server serves git repositories and go-get discovery.
type Server struct {
	t    testing.TB
	opts Options
	git  string // path of the git binary
	dir  string // root of everything on disk
	root string // GIT_PROJECT_ROOT: bare repositories
	srv  *httptest.Server
	cgi  *cgi.Handler

	// Log records requests (Count matches "path?query") and holds the
	// Handle overrides, for fault injection.
	reqlog.Log

	mu      sync.Mutex
	repos   map[string]*repo
	imports map[string]string // import prefix -> repo URL
	tunnels map[net.Conn]struct{}
	closing bool
	nconf   int
	wg      sync.WaitGroup // tunnel copiers
}

type repo struct {
	work    string
	commits int
}

// New starts a server, stopped at test cleanup. It skips the test if git is
// not installed.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skipf("gittest: git not found on PATH (%v); the direct VCS route cannot be tested", err)
	}
	dir := t.TempDir()
	s := &Server{
		t: t, opts: opts, git: git, dir: dir,
		root:    filepath.Join(dir, "repos"),
		repos:   make(map[string]*repo),
		imports: make(map[string]string),
		tunnels: make(map[net.Conn]struct{}),
	}
	if err := os.MkdirAll(s.root, 0o755); err != nil {
		t.Fatalf("gittest: %v", err)
	}
	s.cgi = &cgi.Handler{
		Path: git,
		Args: []string{"http-backend"},
		Dir:  s.root,
		Env: []string{
			"GIT_PROJECT_ROOT=" + s.root,
			"GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_NOSYSTEM=1",
			"GIT_CONFIG_GLOBAL=" + os.DevNull,
			"HOME=" + dir,
		},
		Stderr: io.Discard,
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	if opts.TLS != nil {
		// HTTP/1.1 only: as an HTTPS proxy it must not select h2, because Go's
		// Transport offers h2 in ALPN to an https:// proxy and then writes an
		// HTTP/1.1 CONNECT; and CONNECT needs HTTP/1.1 to hijack.
		s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{*opts.TLS}, NextProtos: []string{"http/1.1"}}
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	t.Cleanup(s.close)
	return s
}

func (s *Server) close() {
	s.mu.Lock()
	s.closing = true
	for c := range s.tunnels {
		c.Close()
	}
	s.mu.Unlock()
	s.srv.CloseClientConnections()
	s.srv.Close()
	s.wg.Wait()
}

// URL returns the server's base URL, "http(s)://127.0.0.1:PORT". It is also
// the value for HTTP_PROXY/HTTPS_PROXY in discovery route 2 (package doc).
func (s *Server) URL() string { return s.srv.URL }

// Addr returns the server's "127.0.0.1:PORT".
func (s *Server) Addr() string { return s.srv.Listener.Addr().String() }

// Client returns an HTTP client that trusts the server's certificate.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// AddRepo creates a repository with one commit holding files (plus, if
// files has no go.mod and modulePath is set, "module <modulePath>\n\ngo
// 1.21\n"), tags it with tags (lightweight), and serves it at
// <URL>/<name>.git. Commit dates are fixed, so hashes are deterministic.
func (s *Server) AddRepo(name, modulePath string, files map[string]string, tags ...string) (repoURL, commit string) {
	s.t.Helper()
	work := filepath.Join(s.dir, "work", name)
	bare := filepath.Join(s.root, name+".git")
	if err := os.MkdirAll(work, 0o755); err != nil {
		s.t.Fatalf("gittest: %v", err)
	}
	s.run("", "init", "-q", "-b", "main", work)
	s.run("", "init", "-q", "--bare", "-b", "main", bare)
	// Let clients fetch any reachable commit by hash, as hosting services do.
	s.run(bare, "config", "uploadpack.allowReachableSHA1InWant", "true")
	s.run(bare, "config", "http.receivepack", "false")
	s.mu.Lock()
	s.repos[name] = &repo{work: work}
	s.mu.Unlock()

	all := make(map[string]string, len(files)+1)
	for k, v := range files {
		all[k] = v
	}
	if _, ok := all["go.mod"]; !ok && modulePath != "" {
		all["go.mod"] = "module " + modulePath + "\n\ngo 1.21\n"
	}
	commit = s.AddCommit(name, all, tags...)
	return s.URL() + "/" + name + ".git", commit
}

// CommitTime returns the author and committer date of a repository's n-th
// commit (from 0): 2024-01-01T00:00:00Z plus n minutes, for building
// pseudo-versions (module.PseudoVersion).
func CommitTime(n int) time.Time { return time.Date(2024, 1, 1, 0, n, 0, 0, time.UTC) }

// AddCommit commits files (written over the previous tree; existing files
// not named stay) to name's main branch, tags the commit, publishes it and
// returns its hash.
func (s *Server) AddCommit(name string, files map[string]string, tags ...string) (commit string) {
	s.t.Helper()
	s.mu.Lock()
	r := s.repos[name]
	n := 0
	if r != nil {
		n = r.commits
		r.commits++
	}
	s.mu.Unlock()
	if r == nil {
		s.t.Fatalf("gittest: no repository %q", name)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(r.work, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			s.t.Fatalf("gittest: %v", err)
		}
		if err := os.WriteFile(p, []byte(files[n]), 0o644); err != nil {
			s.t.Fatalf("gittest: %v", err)
		}
	}
	date := CommitTime(n).Format(time.RFC3339)
	s.run(r.work, "add", "-A")
	s.runEnv(r.work, []string{"GIT_AUTHOR_DATE=" + date, "GIT_COMMITTER_DATE=" + date},
		"commit", "-q", "--allow-empty", "-m", fmt.Sprintf("commit %d", n))
	for _, tag := range tags {
		s.run(r.work, "tag", tag)
	}
	bare := filepath.Join(s.root, name+".git")
	s.run(r.work, "push", "-q", "--force", bare, "+refs/heads/main:refs/heads/main", "+refs/tags/*:refs/tags/*")
	return strings.TrimSpace(s.run(r.work, "rev-parse", "HEAD"))
}

func (s *Server) run(dir string, args ...string) string {
	s.t.Helper()
	return s.runEnv(dir, nil, args...)
}

func (s *Server) runEnv(dir string, env []string, args ...string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.git, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + s.dir,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + os.DevNull,
		"GIT_AUTHOR_NAME=gittest", "GIT_AUTHOR_EMAIL=gittest@example.test",
		"GIT_COMMITTER_NAME=gittest", "GIT_COMMITTER_EMAIL=gittest@example.test",
	}, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		s.t.Fatalf("gittest: git %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out)
}

// ServeGoImport makes GET <importPrefix's path>?go-get=1 (on any host, or on
// importPrefix's host when asked through the server as a forward proxy)
// answer with <meta name="go-import" content="importPrefix git repoURL">.
// A request for a path below importPrefix gets the same tag, as from a real
// host; the longest matching prefix wins.
func (s *Server) ServeGoImport(importPrefix, repoURL string) {
	s.mu.Lock()
	s.imports[strings.TrimSuffix(importPrefix, "/")] = repoURL
	s.mu.Unlock()
}

// WriteGitConfig writes a git config file that rewrites https://<host>/ and
// http://<host>/ to this server (with the Options credentials as userinfo,
// if any) for each host, and returns its path, for GIT_CONFIG_GLOBAL.
func (s *Server) WriteGitConfig(hosts ...string) string {
	s.t.Helper()
	base := s.URL() + "/"
	if s.opts.User != "" {
		scheme, rest, _ := strings.Cut(base, "://")
		base = scheme + "://" + s.opts.User + ":" + s.opts.Password + "@" + rest
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[url %q]\n", base)
	for _, h := range hosts {
		fmt.Fprintf(&b, "\tinsteadOf = https://%s/\n\tinsteadOf = http://%s/\n", h, h)
	}
	s.mu.Lock()
	s.nconf++
	p := filepath.Join(s.dir, fmt.Sprintf("gitconfig-%d", s.nconf))
	s.mu.Unlock()
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		s.t.Fatalf("gittest: %v", err)
	}
	return p
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	proxied := r.Method == http.MethodConnect || r.URL.IsAbs()
	h := s.Record(r)

	switch {
	case h != nil:
		h.ServeHTTP(w, r)
	case r.Method == http.MethodConnect:
		s.tunnel(w, r)
	case r.URL.Query().Get("go-get") == "1":
		if s.opts.AuthGoImport && !s.authorized(w, r) {
			return
		}
		s.serveGoImport(w, r)
	case proxied:
		// Never an open proxy: only discovery is answered for other hosts.
		http.Error(w, "gittest: forward proxy serves only ?go-get=1 discovery", http.StatusBadGateway)
	default:
		if !s.authorized(w, r) {
			return
		}
		s.cgi.ServeHTTP(w, r)
	}
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if s.opts.User == "" {
		return true
	}
	u, p, ok := r.BasicAuth()
	if ok && u == s.opts.User && p == s.opts.Password {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="gittest"`)
	http.Error(w, "authentication required", http.StatusUnauthorized)
	return false
}

func (s *Server) serveGoImport(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	p := strings.TrimSuffix(r.URL.Path, "/")
	s.mu.Lock()
	var prefix, repoURL string
	for pre, u := range s.imports {
		// Match host+path; on a direct request to the server, the path alone.
		_, prePath, _ := strings.Cut(pre, "/")
		ok := hasPathPrefix(host+p, pre) ||
			(host == "127.0.0.1" && hasPathPrefix(strings.TrimPrefix(p, "/"), prePath))
		if ok && len(pre) > len(prefix) {
			prefix, repoURL = pre, u
		}
	}
	s.mu.Unlock()
	if prefix == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "<!DOCTYPE html>\n<html><body>no go-import for %s</body></html>\n", html.EscapeString(host+p))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"go-import\" content=\"%s git %s\">\n</head>\n<body>go get %s</body>\n</html>\n",
		html.EscapeString(prefix), html.EscapeString(repoURL), html.EscapeString(prefix))
}

func hasPathPrefix(p, prefix string) bool {
	return prefix != "" && (p == prefix || strings.HasPrefix(p, prefix+"/"))
}

// tunnel answers CONNECT by splicing the client to this server's own
// listener, whatever host it named: with Options.TLS, the client then
// handshakes with the server's certificate. Without TLS it refuses (502), so
// that the go command falls back to plain HTTP under GOINSECURE.
func (s *Server) tunnel(w http.ResponseWriter, r *http.Request) {
	if s.opts.TLS == nil {
		http.Error(w, "gittest: CONNECT needs Options.TLS", http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "gittest: CONNECT over HTTP/2 is not supported", http.StatusHTTPVersionNotSupported)
		return
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	back, err := d.DialContext(r.Context(), "tcp", s.Addr())
	if err != nil {
		http.Error(w, fmt.Sprintf("gittest: dialing self: %v", err), http.StatusBadGateway)
		return
	}
	front, brw, err := hj.Hijack()
	if err != nil {
		back.Close()
		return
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		front.Close()
		back.Close()
		return
	}
	s.tunnels[front] = struct{}{}
	s.tunnels[back] = struct{}{}
	s.wg.Add(2)
	s.mu.Unlock()
	if _, err := io.WriteString(front, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		front.Close()
	}
	cp := func(dst net.Conn, src io.Reader) {
		defer s.wg.Done()
		io.Copy(dst, src)
		// Either side ending ends the tunnel.
		front.Close()
		back.Close()
		s.mu.Lock()
		delete(s.tunnels, front)
		delete(s.tunnels, back)
		s.mu.Unlock()
	}
	// brw may hold bytes the client sent after CONNECT (a ClientHello).
	go cp(back, io.MultiReader(bufferedReader(brw.Reader), front))
	go cp(front, back)
}

// bufferedReader returns what is buffered in br, without blocking.
func bufferedReader(br *bufio.Reader) io.Reader {
	b, _ := br.Peek(br.Buffered())
	return bytes.NewReader(append([]byte(nil), b...))
}
