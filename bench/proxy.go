package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/module"

	"github.com/gopreflight/gopreflight/internal/modbuild"
)

// proxy is a GOPROXY-protocol server on 127.0.0.1 (HTTPS, HTTP/2 and
// HTTP/1.1) that synthesises every module version it is asked for: a .info,
// a go.mod with no requirements, and a small zip built with x/mod/zip. The
// bytes depend only on path@version, so go.sum lines can be computed before
// any request (sum). Each response waits latency first, as a distant
// server would.
type proxy struct {
	latency time.Duration
	srv     *http.Server
	url     string
	caFile  string

	mu    sync.Mutex
	mods  map[module.Version]*synth
	stats requestStats
}

// synth is what the proxy serves for one module version.
type synth struct {
	info, mod, zip []byte
}

// requestStats counts the requests of one measured interval.
type requestStats struct {
	byKind   map[string]int // "GET .info", "HEAD .zip", ...
	total    int
	conns    int             // TCP connections accepted
	services []time.Duration // per request: arrival to last byte written
}

// startProxy listens on 127.0.0.1 and writes the certificate clients must
// trust to dir/ca.pem.
func startProxy(dir string, latency time.Duration) (*proxy, error) {
	cert, pemBytes, err := selfSigned()
	if err != nil {
		return nil, err
	}
	p := &proxy{latency: latency, mods: map[module.Version]*synth{}, caFile: dir + "/ca.pem"}
	p.reset()
	if err := os.WriteFile(p.caFile, pemBytes, 0o644); err != nil {
		return nil, fmt.Errorf("writing proxy certificate: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("proxy listen: %w", err)
	}
	p.url = "https://" + ln.Addr().String()
	p.srv = &http.Server{
		Handler:   http.HandlerFunc(p.serveHTTP),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}},
		// Clients hang up mid-handshake at exit; that is not news.
		ErrorLog: log.New(io.Discard, "", 0),
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				p.mu.Lock()
				p.stats.conns++
				p.mu.Unlock()
			}
		},
	}
	go p.srv.ServeTLS(ln, "", "")
	return p, nil
}

func (p *proxy) close() { p.srv.Close() }

// reset starts a new measured interval and returns the previous one.
func (p *proxy) reset() requestStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.stats
	p.stats = requestStats{byKind: map[string]int{}}
	return old
}

func (p *proxy) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	kind, body, ctype, ok := p.lookup(r.URL.Path)
	if p.latency > 0 {
		t := time.NewTimer(p.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if !ok {
		http.Error(w, "not found: "+r.URL.Path, http.StatusNotFound)
	} else {
		w.Header().Set("Content-Type", ctype)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	}
	d := time.Since(start)
	p.mu.Lock()
	p.stats.byKind[r.Method+" "+kind]++
	p.stats.total++
	p.stats.services = append(p.stats.services, d)
	p.mu.Unlock()
}

// lookup answers <path>/@v/<version>.{info,mod,zip}; everything else (list,
// @latest, sumdb) is not found, which neither client needs here.
func (p *proxy) lookup(urlPath string) (kind string, body []byte, ctype string, ok bool) {
	escMod, file, found := strings.Cut(strings.TrimPrefix(urlPath, "/"), "/@v/")
	if !found {
		return "other", nil, "", false
	}
	dot := strings.LastIndexByte(file, '.')
	if dot < 0 {
		return "other", nil, "", false
	}
	ext := file[dot:]
	path, err1 := module.UnescapePath(escMod)
	version, err2 := module.UnescapeVersion(file[:dot])
	if err1 != nil || err2 != nil {
		return ext, nil, "", false
	}
	s, err := p.synth(module.Version{Path: path, Version: version})
	if err != nil {
		return ext, nil, "", false
	}
	switch ext {
	case ".info":
		return ext, s.info, "application/json", true
	case ".mod":
		return ext, s.mod, "text/plain; charset=utf-8", true
	case ".zip":
		return ext, s.zip, "application/zip", true
	}
	return "other", nil, "", false
}

// synth builds (once) what is served for m.
func (p *proxy) synth(m module.Version) (*synth, error) {
	p.mu.Lock()
	s := p.mods[m]
	p.mu.Unlock()
	if s != nil {
		return s, nil
	}
	s, err := build(m)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.mods[m] = s
	p.mu.Unlock()
	return s, nil
}

func build(m module.Version) (*synth, error) {
	v, err := modbuild.Build(m, map[string]string{"doc.go": "// Package x was synthesised for a benchmark.\npackage x\n"}, time.Time{})
	if err != nil {
		return nil, err
	}
	return &synth{info: v.Info, mod: v.Mod, zip: v.Zip}, nil
}

// sum returns m's two go.sum lines as the go command computes them.
func (p *proxy) sum(m module.Version) (string, error) {
	s, err := p.synth(m)
	if err != nil {
		return "", err
	}
	v := modbuild.Version{Mod: s.mod, Zip: s.zip}
	zl, ml, err := v.GoSum(m)
	if err != nil {
		return "", err
	}
	return zl + "\n" + ml + "\n", nil
}

// selfSigned makes a throwaway certificate for 127.0.0.1 that is its own
// root: put in SSL_CERT_FILE, both clients trust it.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "gopreflight bench proxy"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("proxy certificate: %w", err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pemBytes, nil
}

// median of d (nearest rank); 0 for none.
func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)/2]
}
