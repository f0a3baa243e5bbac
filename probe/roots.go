package probe

import (
	"crypto/x509"
	"sync"
	_ "unsafe" // for go:linkname

	// Mozilla's root store, as shipped with the Go project. Importing it
	// also makes it the fallback where the system has no roots at all.
	_ "golang.org/x/crypto/x509roots/fallback"
)

// mozillaBundle is the fallback package's parsed root list. That version
// of the package exposes its roots only to x509.SetFallbackRoots, which
// offers no way to read them back.
//
//go:linkname mozillaBundle golang.org/x/crypto/x509roots/fallback.bundle
var mozillaBundle []*x509.Certificate

var publicRoots = sync.OnceValue(func() *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range mozillaBundle {
		p.AddCert(c)
	}
	return p
})

// publiclyTrusted reports whether the chain verifies against Mozilla's
// public roots. A chain that the runner trusts but Mozilla does not comes
// from a locally installed CA: a corporate TLS-inspecting proxy, usually.
func publiclyTrusted(chain []*x509.Certificate, host string) bool {
	if len(chain) == 0 {
		return false
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{Roots: publicRoots(), Intermediates: inter, DNSName: host})
	return err == nil
}
