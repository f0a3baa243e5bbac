package faultserver

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/gopreflight/gopreflight/internal/testca"
)

// Server is an HTTPS server on loopback.
type Server struct {
	srv *httptest.Server
}

// Addr returns the server's host:port.
func (s *Server) Addr() string { return s.srv.Listener.Addr().String() }

// URL returns the server's base URL, https://127.0.0.1:port.
func (s *Server) URL() string { return s.srv.URL }

// TLS starts an HTTPS server (HTTP/2 and HTTP/1.1) for handler with a
// certificate from ca for names; with no names, for 127.0.0.1.
func TLS(t testing.TB, ca *testca.CA, handler http.Handler, names ...string) *Server {
	t.Helper()
	if len(names) == 0 {
		names = []string{"127.0.0.1"}
	}
	return TLSCert(t, ca.Leaf(names...), handler)
}

// TLSCert is TLS with a given certificate, for expired or otherwise odd ones.
func TLSCert(t testing.TB, cert tls.Certificate, handler http.Handler) *Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(handler)
	// Failed handshakes are the point of most tests; do not log them.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.EnableHTTP2 = true
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{"h2", "http/1.1"},
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &Server{srv: srv}
}

// H2StreamReset returns the address of an HTTP/2-only TLS server, with a
// certificate from ca for 127.0.0.1, that answers every request with
// RST_STREAM INTERNAL_ERROR, as loaded public proxies sometimes do.
func H2StreamReset(t testing.TB, ca *testca.CA) string {
	t.Helper()
	return serveH2(t, ca, func(fr *http2.Framer, streamID uint32) (bool, error) {
		return false, fr.WriteRSTStream(streamID, http2.ErrCodeInternal)
	})
}

// H2GoAway returns the address of an HTTP/2-only TLS server that answers the
// first request with GOAWAY INTERNAL_ERROR (debug data "overloaded") and
// closes the connection.
func H2GoAway(t testing.TB, ca *testca.CA) string {
	t.Helper()
	return serveH2(t, ca, func(fr *http2.Framer, streamID uint32) (bool, error) {
		return true, fr.WriteGoAway(streamID, http2.ErrCodeInternal, []byte("overloaded"))
	})
}

// serveH2 speaks just enough HTTP/2 with a raw Framer to reach a request's
// HEADERS frame, then lets onRequest answer it; onRequest returns whether
// to close the connection.
func serveH2(t testing.TB, ca *testca.CA, onRequest func(fr *http2.Framer, streamID uint32) (bool, error)) string {
	t.Helper()
	cfg := &tls.Config{
		Certificates: []tls.Certificate{ca.Leaf("127.0.0.1")},
		NextProtos:   []string{http2.NextProtoTLS},
	}
	return serveRaw(t, func(c net.Conn) {
		tc := tls.Server(c, cfg)
		_ = tc.SetDeadline(time.Now().Add(connLifetime))
		if err := tc.Handshake(); err != nil {
			return
		}
		preface := make([]byte, len(http2.ClientPreface))
		if _, err := io.ReadFull(tc, preface); err != nil || string(preface) != http2.ClientPreface {
			return
		}
		fr := http2.NewFramer(tc, tc)
		if err := fr.WriteSettings(); err != nil {
			return
		}
		for range 64 {
			f, err := fr.ReadFrame()
			if err != nil {
				return
			}
			switch f := f.(type) {
			case *http2.SettingsFrame:
				if !f.IsAck() {
					err = fr.WriteSettingsAck()
				}
			case *http2.PingFrame:
				if !f.IsAck() {
					err = fr.WritePing(true, f.Data)
				}
			case *http2.HeadersFrame:
				var done bool
				done, err = onRequest(fr, f.StreamID)
				if done {
					return
				}
			}
			if err != nil {
				return
			}
		}
	})
}
