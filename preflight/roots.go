package preflight

import (
	"crypto/x509"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// rootCAs is the pool servers are verified with: nil for the system pool
// (which on Linux and the BSDs honours SSL_CERT_FILE and SSL_CERT_DIR), or
// that pool plus --ca-file.
//
// x509.SystemCertPool reads the process environment; when getenv says
// otherwise (the CLI run in-process by tests), the pool is loaded here the
// way crypto/x509 loads it from those variables.
func rootCAs(getenv func(string) string, caFile string) (*x509.CertPool, error) {
	pool, err := systemPool(getenv)
	if caFile == "" || err != nil {
		return pool, err
	}
	if pool == nil {
		pool, err = x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("--ca-file: %w", err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca-file %s: no PEM certificates found", caFile)
	}
	return pool, nil
}

// Where crypto/x509 looks on Linux when SSL_CERT_FILE / SSL_CERT_DIR are
// unset.
var (
	certFiles = []string{
		"/etc/ssl/certs/ca-certificates.crt",
		"/etc/pki/tls/certs/ca-bundle.crt",
		"/etc/ssl/ca-bundle.pem",
		"/etc/pki/tls/cacert.pem",
		"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
		"/etc/ssl/cert.pem",
	}
	certDirs = []string{"/etc/ssl/certs", "/etc/pki/tls/certs"}
)

// systemPool returns nil when x509.SystemCertPool would see what getenv
// says, else the pool it would load from getenv's SSL_CERT_FILE and
// SSL_CERT_DIR.
func systemPool(getenv func(string) string) (*x509.CertPool, error) {
	file, dir := getenv("SSL_CERT_FILE"), getenv("SSL_CERT_DIR")
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" || runtime.GOOS == "ios" ||
		file == os.Getenv("SSL_CERT_FILE") && dir == os.Getenv("SSL_CERT_DIR") {
		return nil, nil
	}
	pool := x509.NewCertPool()
	files := certFiles
	if file != "" {
		files = []string{file}
	}
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil {
			pool.AppendCertsFromPEM(data)
			break
		}
	}
	dirs := certDirs
	if dir != "" {
		dirs = strings.Split(dir, ":")
	}
	for _, d := range dirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if data, err := os.ReadFile(d + "/" + e.Name()); err == nil {
				pool.AppendCertsFromPEM(data)
			}
		}
	}
	return pool, nil
}
