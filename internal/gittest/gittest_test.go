package gittest_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"

	"github.com/gopreflight/gopreflight/internal/gittest"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
)

var files = map[string]string{"lib.go": "package lib\n\nconst X = 1\n"}

func run(t *testing.T, dir string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not on PATH", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.String(), err
}

func gitEnv(extra ...string) []string {
	return append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.DevNull,
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + os.DevNull, "GIT_TERMINAL_PROMPT=0",
	}, extra...)
}

func TestLsRemote(t *testing.T) {
	s := gittest.New(t, gittest.Options{})
	repoURL, commit := s.AddRepo("repo", "example.test/repo", files, "v1.0.0")
	out, err := run(t, "", gitEnv(), "git", "ls-remote", repoURL)
	if err != nil {
		t.Fatalf("git ls-remote: %v\n%s", err, out)
	}
	for _, want := range []string{commit + "\trefs/heads/main", commit + "\trefs/tags/v1.0.0", "\tHEAD"} {
		if !strings.Contains(out, want) {
			t.Errorf("ls-remote lacks %q:\n%s", want, out)
		}
	}
	c2 := s.AddCommit("repo", map[string]string{"more.go": "package lib\n"}, "v1.1.0")
	out, err = run(t, "", gitEnv(), "git", "ls-remote", repoURL)
	if err != nil || !strings.Contains(out, c2+"\trefs/tags/v1.1.0") || !strings.Contains(out, c2+"\trefs/heads/main") {
		t.Errorf("after AddCommit: %v\n%s", err, out)
	}
	if s.Count("/repo.git/info/refs?service=git-upload-pack") != 2 {
		t.Errorf("request log: %+v", s.Requests())
	}
}

func TestBasicAuth(t *testing.T) {
	s := gittest.New(t, gittest.Options{User: "alice", Password: "s3cret"})
	repoURL, commit := s.AddRepo("private", "example.test/private", files, "v1.0.0")
	out, err := run(t, "", gitEnv(), "git", "ls-remote", repoURL)
	if err == nil {
		t.Fatalf("ls-remote without credentials succeeded:\n%s", out)
	}
	resp, err := http.Get(repoURL + "/info/refs?service=git-upload-pack")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
		t.Errorf("no credentials: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	authURL := strings.Replace(repoURL, "http://", "http://alice:s3cret@", 1)
	if out, err := run(t, "", gitEnv(), "git", "ls-remote", authURL); err != nil || !strings.Contains(out, commit) {
		t.Errorf("ls-remote with credentials: %v\n%s", err, out)
	}
	// insteadOf with userinfo, as WriteGitConfig writes it.
	cfg := s.WriteGitConfig("git.example.test")
	env := gitEnv("GIT_CONFIG_GLOBAL=" + cfg)
	if out, err := run(t, "", env, "git", "ls-remote", "https://git.example.test/private.git"); err != nil || !strings.Contains(out, commit) {
		t.Errorf("ls-remote through insteadOf: %v\n%s", err, out)
	}
}

func TestGoImportPage(t *testing.T) {
	s := gittest.New(t, gittest.Options{})
	repoURL, _ := s.AddRepo("mod", "example.test/mod", files)
	s.ServeGoImport("example.test/mod", repoURL)
	for _, p := range []string{"/mod?go-get=1", "/mod/sub/pkg?go-get=1"} {
		resp, err := http.Get(s.URL() + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := `<meta name="go-import" content="example.test/mod git ` + repoURL + `">`
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s = %d %q", p, resp.StatusCode, b)
		}
	}
	resp, err := http.Get(s.URL() + "/other?go-get=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unregistered prefix = %d", resp.StatusCode)
	}
}

type download struct{ Path, Version, Error, Sum, GoModSum string }

func decode(t *testing.T, out string) download {
	t.Helper()
	var d download
	i := strings.Index(out, "{")
	if i < 0 {
		t.Fatalf("no JSON in go output:\n%s", out)
	}
	if err := json.NewDecoder(strings.NewReader(out[i:])).Decode(&d); err != nil {
		t.Fatalf("decoding: %v\n%s", err, out)
	}
	return d
}

// mainModule writes a main module requiring path@version, without go.sum.
func mainModule(t *testing.T, path, version string) string {
	dir := t.TempDir()
	gomod := "module example.test/main\n\ngo 1.21\n\nrequire " + path + " " + version + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// wantSum checks the go command's hashes against goproxytest's for the same
// files: the VCS route and a proxy must produce identical zips.
func wantSum(t *testing.T, d download, path, version string) {
	t.Helper()
	p := goproxytest.New(t, goproxytest.Module{Path: path, Version: version, Files: files})
	z, g := p.GoSum(path, version)
	if d.Error != "" || d.Sum != strings.Fields(z)[2] || d.GoModSum != strings.Fields(g)[2] {
		t.Errorf("go command: %+v; goproxytest: %s / %s", d, z, g)
	}
}

// TestGoCommandGitSuffix: route 1 of the package doc, a ".git" module path
// rewritten to the server by git's insteadOf.
func TestGoCommandGitSuffix(t *testing.T) {
	s := gittest.New(t, gittest.Options{})
	const mod = "example.test/repo.git"
	s.AddRepo("repo", mod, files, "v1.0.0")
	dir := mainModule(t, mod, "v1.0.0")
	env := goproxytest.GoEnv(t, "GOPROXY=direct", "GOPRIVATE=example.test",
		"GIT_CONFIG_GLOBAL="+s.WriteGitConfig("example.test"))
	out, err := run(t, dir, env, "go", "mod", "download", "-json", mod)
	if err != nil {
		t.Fatalf("go mod download: %v\n%s\nrequests: %+v", err, out, s.Requests())
	}
	wantSum(t, decode(t, out), mod, "v1.0.0")
	if s.Count("/repo/info/refs") == 0 {
		t.Errorf("expected the go command to reach /repo (no .git): %+v", s.Requests())
	}
}

// TestGoCommandDiscoveryHTTP: route 2, go-get discovery answered by the
// server as HTTP forward proxy, plain HTTP under GOINSECURE.
func TestGoCommandDiscoveryHTTP(t *testing.T) {
	s := gittest.New(t, gittest.Options{})
	const mod = "example.test/mod"
	repoURL, _ := s.AddRepo("mod", mod, files, "v1.0.0")
	s.ServeGoImport(mod, repoURL)
	dir := mainModule(t, mod, "v1.0.0")
	env := goproxytest.GoEnv(t, "GOPROXY=direct", "GOPRIVATE=example.test", "GOINSECURE=example.test",
		"HTTP_PROXY="+s.URL(), "HTTPS_PROXY="+s.URL(), "NO_PROXY=127.0.0.1,localhost")
	out, err := run(t, dir, env, "go", "mod", "download", "-json", mod)
	if err != nil {
		t.Fatalf("go mod download: %v\n%s\nrequests: %+v", err, out, s.Requests())
	}
	wantSum(t, decode(t, out), mod, "v1.0.0")
	var sawDiscovery bool
	for _, r := range s.Requests() {
		if r.Proxy && r.Host == "example.test" && r.Query == "go-get=1" {
			sawDiscovery = true
		}
	}
	if !sawDiscovery {
		t.Errorf("no proxied discovery request: %+v", s.Requests())
	}

	// A pseudo-version of a later, untagged commit, fetched by hash.
	next := s.AddCommit("mod", map[string]string{"more.go": "package lib\n"})
	pseudo := module.PseudoVersion("v1", "v1.0.0", gittest.CommitTime(1), next[:12])
	dir = mainModule(t, mod, pseudo)
	if out, err := run(t, dir, env, "go", "mod", "download", "-json", mod); err != nil {
		t.Errorf("pseudo-version %s: %v\n%s", pseudo, err, out)
	}
}

// TestGoCommandDiscoveryTLS: route 2 over HTTPS: CONNECT tunnels to the
// server itself, the go command trusts the test CA via SSL_CERT_FILE and git
// via GIT_SSL_CAINFO; no GOINSECURE.
func TestGoCommandDiscoveryTLS(t *testing.T) {
	cert, caPEM := testCert(t, "example.test")
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	s := gittest.New(t, gittest.Options{TLS: &cert})
	const mod = "example.test/secure"
	repoURL, _ := s.AddRepo("secure", mod, files, "v1.0.0")
	s.ServeGoImport(mod, repoURL)
	dir := mainModule(t, mod, "v1.0.0")
	env := goproxytest.GoEnv(t, "GOPROXY=direct", "GOPRIVATE=example.test",
		"HTTPS_PROXY="+s.URL(), "NO_PROXY=127.0.0.1,localhost",
		"SSL_CERT_FILE="+caFile, "GIT_SSL_CAINFO="+caFile)
	out, err := run(t, dir, env, "go", "mod", "download", "-json", mod)
	if err != nil {
		t.Fatalf("go mod download: %v\n%s\nrequests: %+v", err, out, s.Requests())
	}
	wantSum(t, decode(t, out), mod, "v1.0.0")
	if s.Count("/secure?go-get=1") == 0 {
		t.Errorf("no discovery request: %+v", s.Requests())
	}
}

// testCert returns a certificate for host and 127.0.0.1 and its CA in PEM.
func testCert(t *testing.T, host string) (tls.Certificate, []byte) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gittest CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{host}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

// TestTunnelNoLeak: discovery through the CONNECT tunnel, then cleanup must
// leave no goroutine behind.
func TestTunnelNoLeak(t *testing.T) {
	base := runtime.NumGoroutine()
	t.Run("inner", func(t *testing.T) {
		cert, caPEM := testCert(t, "example.test")
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(caPEM)
		s := gittest.New(t, gittest.Options{TLS: &cert})
		s.ServeGoImport("example.test/x", "https://127.0.0.1/x.git")
		proxyURL, _ := url.Parse(s.URL())
		tr := &http.Transport{Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: pool}}
		resp, err := (&http.Client{Transport: tr}).Get("https://example.test/x/y?go-get=1")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), `content="example.test/x git https://127.0.0.1/x.git"`) {
			t.Errorf("tunnelled discovery: %d %q", resp.StatusCode, b)
		}
		// The idle tunnel stays open: the server's cleanup must close it.
	})
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines left, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}
