// Package faultserver starts misbehaving servers on loopback for tests: a
// closed port, a full accept backlog, TLS servers that reset, stall or answer
// in plain text, HTTP/2 servers that reset streams, a real forward proxy and
// a DNS server with scripted answers. Every constructor listens on
// 127.0.0.1:0 (DNSOn: on an address the test owns), registers its
// shutdown with t.Cleanup and never contacts anything but loopback.
package faultserver

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

const (
	// maxConns bounds how many connections one server accepts in its life.
	maxConns = 256
	// connLifetime bounds how long any accepted connection is kept open.
	connLifetime = 30 * time.Second
	// ioTimeout bounds a single read of a client's first bytes.
	ioTimeout = 5 * time.Second
)

// ClosedPort returns a loopback address on which nothing listens, so a
// connection there is refused.
func ClosedPort(t testing.TB) string {
	t.Helper()
	ln := listen(t)
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("faultserver: %v", err)
	}
	return addr
}

// ResetAfterClientHello returns the address of a server that reads the TLS
// ClientHello and answers with a TCP RST, as an SNI filter does.
func ResetAfterClientHello(t testing.TB) string {
	t.Helper()
	return serveRaw(t, func(c net.Conn) {
		if err := readClientHello(c); err != nil {
			return
		}
		resetClose(c)
	})
}

// CloseAfterClientHello returns the address of a server that reads the TLS
// ClientHello and closes the connection cleanly (FIN), as some filters do.
func CloseAfterClientHello(t testing.TB) string {
	t.Helper()
	return serveRaw(t, func(c net.Conn) {
		_ = readClientHello(c)
	})
}

// StallHandshake returns the address of a server that reads the TLS
// ClientHello and then says nothing until the client gives up.
func StallHandshake(t testing.TB) string {
	t.Helper()
	return serveRaw(t, func(c net.Conn) {
		if err := readClientHello(c); err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, c) // until the client closes, the deadline or cleanup
	})
}

// Answers of PlaintextOnTLS. PortalHTTP starts with "HTTP/", so net/http
// reports http.ErrSchemeMismatch; PortalBanner starts with bytes no TLS
// record does, so crypto/tls reports a tls.RecordHeaderError.
const (
	PortalHTTP   = "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nContent-Length: 45\r\nConnection: close\r\n\r\n<html><title>Blocked</title>Blocked.</html>\r\n"
	PortalBanner = "SSH-2.0-OpenSSH_9.6\r\n"
)

// PlaintextOnTLS returns the address of a server that reads the ClientHello
// and answers without TLS: PortalHTTP when httpLike, else PortalBanner.
func PlaintextOnTLS(t testing.TB, httpLike bool) string {
	t.Helper()
	answer := PortalBanner
	if httpLike {
		answer = PortalHTTP
	}
	return serveRaw(t, func(c net.Conn) {
		if err := readClientHello(c); err != nil {
			return
		}
		_, _ = io.WriteString(c, answer)
	})
}

// Silent returns the address of a server that accepts connections and
// never answers: a request waits for its own deadline.
func Silent(t testing.TB) string {
	t.Helper()
	return serveRaw(t, func(c net.Conn) {
		_, _ = io.Copy(io.Discard, c) // until the client closes, the deadline or cleanup
	})
}

// HangUp returns the address of a plain-HTTP server that reads the request
// head and closes the connection without answering.
func HangUp(t testing.TB) string {
	t.Helper()
	return serveRaw(t, func(c net.Conn) {
		_ = readRequestHead(c)
	})
}

// ResetAfterHeaders returns the address of a plain-HTTP server that sends a
// 200 response head announcing a 1000-byte body, ten bytes of it, and then
// resets the connection.
func ResetAfterHeaders(t testing.TB) string {
	t.Helper()
	return serveRaw(t, func(c net.Conn) {
		if err := partialAnswer(c); err != nil {
			return
		}
		// Let the client take the head before the RST makes its kernel
		// drop what it has not read yet.
		time.Sleep(50 * time.Millisecond)
		resetClose(c)
	})
}

// TruncatedBody returns the address of a plain-HTTP server that announces a
// 1000-byte body, sends ten bytes of it and closes the connection cleanly.
func TruncatedBody(t testing.TB) string {
	t.Helper()
	return serveRaw(t, func(c net.Conn) {
		_ = partialAnswer(c)
	})
}

func partialAnswer(c net.Conn) error {
	req, err := readRequest(c)
	if err != nil {
		return err
	}
	head := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"
	if req.Method == http.MethodHead {
		// An answer to HEAD has no body: bytes after the head would be
		// read as the next response on a reused connection, a fault of
		// the test server, not the one it stages.
		_, err = io.WriteString(c, head)
		return err
	}
	_, err = io.WriteString(c, head+"v1.0.0\nv1.")
	return err
}

// serveRaw accepts connections on a fresh loopback listener and runs handle
// on each in its own goroutine, closing the connection when handle returns.
// Cleanup closes the listener and every open connection and waits for the
// handlers.
func serveRaw(t testing.TB, handle func(net.Conn)) string {
	t.Helper()
	ln := listen(t)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = make(map[net.Conn]struct{})
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range maxConns {
			c, err := ln.Accept()
			if err != nil {
				return // closed by cleanup
			}
			_ = c.SetDeadline(time.Now().Add(connLifetime))
			mu.Lock()
			conns[c] = struct{}{}
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					mu.Lock()
					delete(conns, c)
					mu.Unlock()
					_ = c.Close()
				}()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("faultserver: listen: %v", err)
	}
	return ln
}

// readClientHello consumes the first TLS record the client sends, so that
// closing afterwards does not turn into a RST because of unread data.
func readClientHello(c net.Conn) error {
	if err := c.SetReadDeadline(time.Now().Add(ioTimeout)); err != nil {
		return err
	}
	var hdr [5]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return fmt.Errorf("read record header: %w", err)
	}
	if hdr[0] != 22 { // handshake
		return errors.New("first record is not a TLS handshake")
	}
	n := int(binary.BigEndian.Uint16(hdr[3:]))
	if _, err := io.CopyN(io.Discard, c, int64(n)); err != nil {
		return fmt.Errorf("read ClientHello: %w", err)
	}
	return c.SetReadDeadline(time.Time{})
}

// readRequestHead consumes an HTTP/1 request head.
func readRequestHead(c net.Conn) error {
	_, err := readRequest(c)
	return err
}

// readRequest reads one request's head from c.
func readRequest(c net.Conn) (*http.Request, error) {
	if err := c.SetReadDeadline(time.Now().Add(ioTimeout)); err != nil {
		return nil, err
	}
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return nil, fmt.Errorf("read request: %w", err)
	}
	_ = req.Body.Close()
	return req, c.SetReadDeadline(time.Time{})
}

// resetClose closes c with SO_LINGER 0, which sends a RST instead of a FIN.
func resetClose(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}
