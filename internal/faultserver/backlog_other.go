//go:build !unix

package faultserver

import "testing"

// FullBacklog needs listen(2) on a listening socket to shrink the backlog;
// elsewhere it skips the test.
func FullBacklog(t testing.TB) string {
	t.Helper()
	t.Skip("faultserver: FullBacklog needs a Unix kernel")
	return ""
}
