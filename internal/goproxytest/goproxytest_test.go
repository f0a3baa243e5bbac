package goproxytest_test

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
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/internal/goproxytest"
)

var fixtures = []goproxytest.Module{
	{Path: "example.test/a", Version: "v1.2.0", Files: map[string]string{"a.go": "package a\n"}},
	{Path: "example.test/a", Version: "v1.1.0", Files: map[string]string{"a.go": "package a\n"}},
	{Path: "example.test/a", Version: "v1.3.0-rc.1", Files: map[string]string{"a.go": "package a\n"}},
	{Path: "example.test/Upper", Version: "v1.0.0", Files: map[string]string{"u.go": "package upper\n"}},
	{Path: "example.test/old", Version: "v2.0.0+incompatible", Files: map[string]string{"old.go": "package old\n"}},
	{Path: "example.test/pseudo", Version: "v0.0.0-20240101000000-abcdefabcdef", Files: map[string]string{"p.go": "package pseudo\n"}},
}

func get(t *testing.T, c *http.Client, method, url string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

func TestProtocol(t *testing.T) {
	s := goproxytest.New(t, fixtures...)
	c := http.DefaultClient
	u := s.URL()

	if code, body, _ := get(t, c, "GET", u+"/example.test/a/@v/list"); code != 200 || body != "v1.1.0\nv1.2.0\nv1.3.0-rc.1\n" {
		t.Errorf("list = %d %q", code, body)
	}
	if code, body, _ := get(t, c, "GET", u+"/example.test/a/@latest"); code != 200 || !strings.Contains(body, `"Version":"v1.2.0"`) {
		t.Errorf("@latest = %d %q", code, body)
	}
	if code, body, _ := get(t, c, "GET", u+"/example.test/pseudo/@v/list"); code != 200 || body != "" {
		t.Errorf("pseudo list = %d %q", code, body)
	}
	if code, body, _ := get(t, c, "GET", u+"/example.test/pseudo/@latest"); code != 200 || !strings.Contains(body, `"Time":"2024-01-01T00:00:00Z"`) {
		t.Errorf("pseudo @latest = %d %q", code, body)
	}
	if code, body, _ := get(t, c, "GET", u+"/example.test/!upper/@v/v1.0.0.mod"); code != 200 || body != "module example.test/Upper\n\ngo 1.21\n" {
		t.Errorf("upper .mod = %d %q", code, body)
	}
	if code, _, _ := get(t, c, "GET", u+"/example.test/upper/@v/v1.0.0.mod"); code != 404 {
		t.Errorf("unescaped lower-case path = %d, want 404", code)
	}
	if code, body, _ := get(t, c, "GET", u+"/example.test/old/@v/v2.0.0+incompatible.mod"); code != 200 || body != "module example.test/old\n" {
		t.Errorf("incompatible .mod = %d %q", code, body)
	}
	if code, body, _ := get(t, c, "GET", u+"/example.test/a/@v/v9.9.9.info"); code != 404 || !strings.HasPrefix(body, "not found: ") {
		t.Errorf("unknown version = %d %q", code, body)
	}
	if code, _, _ := get(t, c, "GET", u+"/example.test/none/@v/list"); code != 404 {
		t.Errorf("unknown module list = %d", code)
	}

	if code, _, _ := get(t, c, "GET", u+"/sumdb/sum.example.test/supported"); code != 404 {
		t.Errorf("sumdb supported without ProxySumDB = %d, want 404", code)
	}

	// HEAD and Range on the zip.
	zip := s.Zip("example.test/a", "v1.2.0")
	if code, body, h := get(t, c, "HEAD", u+"/example.test/a/@v/v1.2.0.zip"); code != 200 || body != "" || h.Get("Content-Length") != strconv.Itoa(len(zip)) {
		t.Errorf("HEAD zip = %d %q len %s, want %d", code, body, h.Get("Content-Length"), len(zip))
	}
	if code, body, _ := get(t, c, "GET", u+"/example.test/a/@v/v1.2.0.zip", "Range", "bytes=0-0"); code != 206 || body != "P" {
		t.Errorf("ranged zip = %d %q", code, body)
	}
	if code, body, _ := get(t, c, "GET", u+"/example.test/a/@v/v1.2.0.zip"); code != 200 || !bytes.Equal([]byte(body), zip) {
		t.Errorf("zip = %d, %d bytes", code, len(body))
	}
	if s.Count("v1.2.0.zip") != 3 {
		t.Errorf("Count = %d, want 3", s.Count("v1.2.0.zip"))
	}
	if r := s.Requests(); r[len(r)-3].Method != "HEAD" {
		t.Errorf("request log: %+v", r[len(r)-3])
	}

	// Remove, Gone, re-Add.
	s.Remove("example.test/a", "v1.2.0")
	if code, _, _ := get(t, c, "GET", u+"/example.test/a/@v/v1.2.0.info"); code != 404 {
		t.Errorf("removed = %d", code)
	}
	if _, body, _ := get(t, c, "GET", u+"/example.test/a/@latest"); !strings.Contains(body, "v1.1.0") {
		t.Errorf("@latest after Remove = %q", body)
	}
	s.Gone("example.test/a", "v1.1.0")
	if code, _, _ := get(t, c, "GET", u+"/example.test/a/@v/v1.1.0.zip"); code != 410 {
		t.Errorf("gone = %d", code)
	}
	s.Add(fixtures[0])
	if code, _, _ := get(t, c, "GET", u+"/example.test/a/@v/v1.2.0.info"); code != 200 {
		t.Errorf("re-added = %d", code)
	}

	// Fault injection.
	s.Handle(func(p string) bool { return strings.HasSuffix(p, ".zip") }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	if code, _, _ := get(t, c, "GET", u+"/example.test/a/@v/v1.2.0.zip"); code != 500 {
		t.Errorf("override = %d", code)
	}
	s.ResetHandlers()
	s.SetLatency(50 * time.Millisecond)
	start := time.Now()
	get(t, c, "GET", u+"/example.test/a/@v/v1.2.0.info")
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("latency not applied: %v", d)
	}
}

func TestStallReleasedAtCleanup(t *testing.T) {
	// A stalled handler must not hang cleanup; the sub-test's cleanup runs
	// while the client is still waiting.
	errc := make(chan error, 1)
	t.Run("inner", func(t *testing.T) {
		s := goproxytest.New(t, fixtures[0])
		s.Handle(func(string) bool { return true }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-s.Done():
			}
		}))
		s.SetLatency(time.Hour)
		url := s.URL() + "/example.test/a/@v/list"
		go func() {
			resp, err := http.Get(url)
			if err == nil {
				resp.Body.Close()
			}
			errc <- err
		}()
		deadline := time.Now().Add(5 * time.Second)
		for s.Count("list") == 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	})
	select {
	case err := <-errc:
		if err == nil {
			t.Error("stalled request succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("client still blocked after cleanup")
	}
}

func TestTLSAndHTTP2(t *testing.T) {
	cert, pool, _ := testCert(t, "proxy.example.test")
	s := goproxytest.NewTLS(t, cert, fixtures[0])
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "proxy.example.test"}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	code, body, _ := get(t, c, "GET", s.URL()+"/example.test/a/@v/v1.2.0.info")
	if code != 200 || !strings.Contains(body, "v1.2.0") {
		t.Fatalf("TLS info = %d %q", code, body)
	}
	if p := s.Requests()[0].Proto; p != "HTTP/2.0" {
		t.Errorf("proto = %s, want HTTP/2.0", p)
	}
	tr1 := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "proxy.example.test"}}
	tr1.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{} // HTTP/1.1 only
	defer tr1.CloseIdleConnections()
	if code, _, _ := get(t, &http.Client{Transport: tr1}, "GET", s.URL()+"/example.test/a/@v/list"); code != 200 {
		t.Errorf("HTTP/1.1 over TLS = %d", code)
	}
}

// testCert returns a certificate for 127.0.0.1 and host, signed by a fresh
// CA, and a pool holding that CA.
func testCert(t *testing.T, host string) (tls.Certificate, *x509.CertPool, []byte) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "goproxytest CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
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
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool,
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

// goModDownload is one object of `go mod download -json` output.
type goModDownload struct {
	Path, Version, Error, Sum, GoModSum, Zip string
}

// runGo runs the go command in dir with env, bounded by a timeout.
func runGo(t *testing.T, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.String(), err
}

func decodeDownloads(t *testing.T, out string) map[string]goModDownload {
	t.Helper()
	res := map[string]goModDownload{}
	dec := json.NewDecoder(strings.NewReader(out[strings.Index(out, "{"):]))
	for i := 0; i < 100; i++ {
		var d goModDownload
		if err := dec.Decode(&d); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go output: %v\n%s", err, out)
		}
		res[d.Path+"@"+d.Version] = d
	}
	return res
}

// writeMainModule writes a main module requiring every fixture in mods,
// with go.sum lines from s unless noSum.
func writeMainModule(t *testing.T, s *goproxytest.Server, mods []goproxytest.Module, noSum bool) string {
	t.Helper()
	dir := t.TempDir()
	var gomod, gosum strings.Builder
	gomod.WriteString("module example.test/main\n\ngo 1.21\n\nrequire (\n")
	for _, m := range mods {
		gomod.WriteString("\t" + m.Path + " " + m.Version + "\n")
		z, g := s.GoSum(m.Path, m.Version)
		gosum.WriteString(z + "\n" + g + "\n")
	}
	gomod.WriteString(")\n")
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if !noSum {
		if err := os.WriteFile(filepath.Join(dir, "go.sum"), []byte(gosum.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestGoModDownload is the differential test: the real go command downloads
// every fixture through the proxy and computes the same go.sum lines.
func TestGoModDownload(t *testing.T) {
	s := goproxytest.New(t, fixtures...)
	need := []goproxytest.Module{fixtures[0], fixtures[3], fixtures[4], fixtures[5]}
	dir := writeMainModule(t, s, need, false)
	env := goproxytest.GoEnv(t, "GOPROXY="+s.URL())
	args := []string{"mod", "download", "-json"}
	for _, m := range need {
		args = append(args, m.Path)
	}
	out, err := runGo(t, dir, env, args...)
	if err != nil {
		t.Fatalf("go mod download: %v\n%s", err, out)
	}
	got := decodeDownloads(t, out)
	for _, m := range need {
		d, ok := got[m.Path+"@"+m.Version]
		if !ok || d.Error != "" {
			t.Errorf("%s@%s: missing or failed: %+v", m.Path, m.Version, d)
			continue
		}
		z, g := s.GoSum(m.Path, m.Version)
		if want := strings.Fields(z)[2]; d.Sum != want {
			t.Errorf("%s@%s: go Sum %s, GoSum %s", m.Path, m.Version, d.Sum, want)
		}
		if want := strings.Fields(g)[2]; d.GoModSum != want {
			t.Errorf("%s@%s: go GoModSum %s, GoSum %s", m.Path, m.Version, d.GoModSum, want)
		}
	}
	if s.Count("/example.test/!upper/@v/v1.0.0.zip") == 0 {
		t.Errorf("upper-case module was not fetched by its escaped path\n%s\n%+v", out, s.Requests())
	}
}

// TestGoModDownloadTampered: the go command rejects a .mod that does not
// match go.sum.
func TestGoModDownloadTampered(t *testing.T) {
	s := goproxytest.New(t, fixtures[0])
	s.Tamper("example.test/a", "v1.2.0", "module example.test/a\n\ngo 1.22\n")
	dir := writeMainModule(t, s, fixtures[:1], false)
	out, err := runGo(t, dir, goproxytest.GoEnv(t, "GOPROXY="+s.URL()), "mod", "download", "-json", "example.test/a")
	if err == nil || !strings.Contains(out, "checksum mismatch") {
		t.Fatalf("go mod download with tampered .mod: err=%v\n%s", err, out)
	}
}

// TestGoModDownloadTLS: the go command fetches over HTTPS (HTTP/2) from
// NewTLS, trusting the test CA through SSL_CERT_FILE.
func TestGoModDownloadTLS(t *testing.T) {
	cert, _, caPEM := testCert(t, "proxy.example.test")
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	s := goproxytest.NewTLS(t, cert, fixtures[0])
	dir := writeMainModule(t, s, fixtures[:1], false)
	env := goproxytest.GoEnv(t, "GOPROXY="+s.URL(), "SSL_CERT_FILE="+caFile)
	out, err := runGo(t, dir, env, "mod", "download", "-json", "example.test/a")
	if err != nil {
		t.Fatalf("go mod download over TLS: %v\n%s", err, out)
	}
	for _, r := range s.Requests() {
		if r.Proto != "HTTP/2.0" {
			t.Errorf("go command used %s for %s", r.Proto, r.Path)
		}
	}
}
