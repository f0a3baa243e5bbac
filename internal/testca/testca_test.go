package testca_test

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/internal/testca"
)

func TestLeafVerifies(t *testing.T) {
	t.Parallel()
	ca := testca.New(t)
	if !ca.Certificate().IsCA || ca.Certificate().Subject.CommonName != testca.CommonName {
		t.Fatalf("CA certificate: IsCA=%v CN=%q", ca.Certificate().IsCA, ca.Certificate().Subject.CommonName)
	}
	leaf := ca.Leaf("proxy.golang.test", "127.0.0.1", "::1").Leaf
	for _, name := range []string{"proxy.golang.test", "127.0.0.1", "::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: ca.Pool()}); err != nil {
			t.Errorf("verify for %s: %v", name, err)
		}
	}
	var he x509.HostnameError
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "other.test", Roots: ca.Pool()}); !errors.As(err, &he) {
		t.Errorf("verify for other.test: %v, want a HostnameError", err)
	}
	var ua x509.UnknownAuthorityError
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: testca.New(t).Pool()}); !errors.As(err, &ua) {
		t.Errorf("verify against another CA: %v, want an UnknownAuthorityError", err)
	}
}

func TestLeafWithExpired(t *testing.T) {
	t.Parallel()
	ca := testca.New(t)
	now := time.Now()
	leaf := ca.LeafWith(now.Add(-48*time.Hour), now.Add(-24*time.Hour), "127.0.0.1").Leaf
	var ci x509.CertificateInvalidError
	_, err := leaf.Verify(x509.VerifyOptions{Roots: ca.Pool()})
	if !errors.As(err, &ci) || ci.Reason != x509.Expired {
		t.Errorf("verify expired leaf: %v, want Expired", err)
	}
}

func TestWriteFile(t *testing.T) {
	t.Parallel()
	ca := testca.New(t)
	data, err := os.ReadFile(ca.WriteFile(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("not a PEM certificate: %q", data)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !cert.Equal(ca.Certificate()) || string(data) != string(ca.PEM()) {
		t.Errorf("written certificate differs from the CA's (%v)", err)
	}
}
