//go:build unix

package faultserver

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"
)

// FullBacklog returns the address of a listener whose accept queue is full:
// it listens with a backlog of 1, never accepts, and has been filled with
// connections. The kernel then drops further SYNs, so a new connection
// attempt gets no answer at all, which is what a firewall DROP looks like.
func FullBacklog(t testing.TB) string {
	t.Helper()
	ln := listen(t)
	t.Cleanup(func() { _ = ln.Close() })
	raw, err := ln.(*net.TCPListener).SyscallConn()
	if err != nil {
		t.Fatalf("faultserver: %v", err)
	}
	// The net package listens with the system's maximum backlog; calling
	// listen(2) again on the listening socket lowers it.
	var lerr error
	if err := raw.Control(func(fd uintptr) { lerr = syscall.Listen(int(fd), 1) }); err != nil {
		t.Fatalf("faultserver: %v", err)
	}
	if lerr != nil {
		t.Fatalf("faultserver: listen(2) with backlog 1: %v", lerr)
	}
	addr := ln.Addr().String()
	// Linux queues backlog+1 connections; allow a generous margin for
	// other kernels, but stop at the first attempt that goes unanswered.
	for range 16 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return addr
			}
			t.Fatalf("faultserver: filling the backlog: %v", err)
		}
		t.Cleanup(func() { _ = c.Close() })
	}
	t.Fatalf("faultserver: %s still accepts connections after 16 without accept(2)", addr)
	return ""
}
