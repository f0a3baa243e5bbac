package verdict

import (
	"strings"
	"testing"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/checks"
	"github.com/gopreflight/gopreflight/probe"
)

// TestLocalPlace: an endpoint whose every address is loopback or private
// gets advice about the process there, never about an egress firewall.
func TestLocalPlace(t *testing.T) {
	for _, tc := range []struct {
		host  string
		addrs []string
		want  string
	}{
		{"127.0.0.1", nil, "on this machine (loopback)"},
		{"[::1]", nil, "on this machine (loopback)"},
		{"localhost", []string{"127.0.0.1", "::1"}, "on this machine (loopback)"},
		{"10.0.0.5", nil, "on a private network"},
		{"proxy.corp.test", []string{"192.168.1.4", "fd00::4"}, "on a private network"},
		{"proxy.corp.test", []string{"127.0.0.1", "10.1.1.1"}, "on a private network"},
		{"proxy.example", []string{"192.0.2.7"}, ""}, // documentation range: not a local network
		{"proxy.example", []string{"10.0.0.1", "8.8.8.8"}, ""},
		{"proxy.example", nil, ""},
	} {
		ep := &checks.Endpoint{Host: tc.host, Addresses: tc.addrs}
		if got := localPlace(ep); got != tc.want {
			t.Errorf("localPlace(%s %v) = %q, want %q", tc.host, tc.addrs, got, tc.want)
		}
	}
	if got := localPlace(nil); got != "" {
		t.Errorf("localPlace(nil) = %q", got)
	}
}

func TestModuleSubject(t *testing.T) {
	for _, tc := range []struct {
		mods []string
		want string
	}{
		{[]string{"a.test/x@v1.0.0"}, "a.test/x@v1.0.0"},
		{[]string{"a.test/x@v1.0.0", "a.test/y@v1.0.0", "a.test/z@v1.0.0"}, "3 module versions (a.test/x@v1.0.0 and 2 more)"},
	} {
		if got := moduleSubject(tc.mods); got != tc.want {
			t.Errorf("moduleSubject(%v) = %q, want %q", tc.mods, got, tc.want)
		}
	}
}

// TestLocalAdvice: at a loopback or private address the advice names the
// process there, never a firewall.
func TestLocalAdvice(t *testing.T) {
	for _, tc := range []struct {
		c    cause.Code
		role probe.Role
		addr string
		want string
	}{
		{cause.TCPRefused, probe.RoleProxy, "127.0.0.1", "127.0.0.1:9 is on this machine (loopback), and nothing listens there: the proxy process is down or the port is wrong."},
		{cause.TCPRefused, probe.RoleSumDB, "10.1.2.3", "10.1.2.3:9 is on a private network, and nothing listens there: the checksum database process is down or the port is wrong."},
		{cause.TCPTimeout, probe.RoleProxy, "127.0.0.1", "accepts no connection or answers too slowly"},
		{cause.TLSHostnameMismatch, probe.RoleVCS, "192.168.0.7", "check the TLS setup of the git server listening there"},
		{cause.TCPReset, probe.RoleRedirect, "127.0.0.1", "the server process there, or another program on that port, breaks the connection"},
	} {
		ep := &checks.Endpoint{Host: tc.addr, Role: tc.role}
		got := localAdvice(tc.c, ep, tc.addr+":9", "")
		if !strings.Contains(got, tc.want) || strings.Contains(strings.ToLower(got), "firewall") {
			t.Errorf("%s at %s: %q, want it to say %q and no firewall", tc.c, tc.addr, got, tc.want)
		}
	}
}
