//go:build linux

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/faultserver"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/internal/testca"
	"github.com/gopreflight/gopreflight/report"
)

// TestNetworkNamespace runs the built binary inside a network namespace
// the test creates: a veth pair whose two ends are the only network (a
// private /30 that exists nowhere else), nftables DROP and REJECT rules,
// and the namespace's own resolv.conf naming a DNS server of the test's
// own. Nothing leaves the machine.
func TestNetworkNamespace(t *testing.T) {
	ns := newNetns(t)
	bin := buildBinary(t)

	// Servers live in the test's namespace, reached from ns through the
	// veth: forwarders on the host end relay to loopback servers.
	proxy := goproxytest.New(t, served...)
	ca := testca.New(t)
	tlsProxy := goproxytest.NewTLS(t, ca.Leaf("secure.test"), served...)
	storage := goproxytest.New(t, served...)
	ports := map[string]string{}
	for _, name := range []string{"ok", "drop", "reject", "storage", "tls", "v6"} {
		target := strings.TrimPrefix(proxy.URL(), "http://")
		switch name {
		case "storage":
			target = strings.TrimPrefix(storage.URL(), "http://")
		case "tls":
			target = strings.TrimPrefix(tlsProxy.URL(), "https://")
		}
		ports[name] = relay(t, net.JoinHostPort(ns.hostIP.String(), "0"), target)
	}
	// The proxy sends zips of example.test/fork to the storage host, as
	// public proxies send them to theirs.
	proxy.Handle(func(p string) bool {
		return strings.HasPrefix(p, "/example.test/fork/") && strings.HasSuffix(p, ".zip")
	},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://storage.test:"+ports["storage"]+r.URL.Path, http.StatusFound)
		}))
	zone := map[string]faultserver.Answer{
		"proxy.test":   faultserver.Addrs(ns.hostIP),
		"storage.test": faultserver.Addrs(ns.hostIP),
		"secure.test":  faultserver.Addrs(ns.hostIP),
		"noroute.test": faultserver.Addrs(ns.noRoute),
	}
	if ns.hostIP6.IsValid() {
		zone["dual.test"] = faultserver.Addrs(ns.hostIP, ns.hostIP6)
	}
	faultserver.DNSOn(t, net.JoinHostPort(ns.hostIP.String(), "53"), zone)
	ns.firewall(t, fmt.Sprintf(`
table inet gopreflight {
	chain out {
		type filter hook output priority 0; policy accept;
		tcp dport %s drop
		tcp dport %s reject with tcp reset
		tcp dport %s drop
		meta nfproto ipv6 tcp dport %s drop
	}
}`, ports["drop"], ports["reject"], ports["storage"], ports["v6"]))

	caFile := ca.WriteFile(t.TempDir())
	type want struct {
		mods      map[string]cause.Code
		endpoints map[string]cause.Code
		finding   string
	}
	tests := []struct {
		name    string
		goproxy string
		env     []string
		mods    []string
		want    want
		ipv6    bool
	}{
		{name: "healthy, named by the namespace's resolver", goproxy: "http://proxy.test:" + ports["ok"],
			want: want{mods: map[string]cause.Code{goodMod: cause.OK}}},
		{name: "DROP is tcp_timeout", goproxy: "http://proxy.test:" + ports["drop"],
			want: want{mods: map[string]cause.Code{goodMod: cause.TCPTimeout}, endpoints: map[string]cause.Code{"http://proxy.test:" + ports["drop"]: cause.TCPTimeout}}},
		{name: "REJECT with a reset is tcp_refused", goproxy: "http://proxy.test:" + ports["reject"],
			want: want{mods: map[string]cause.Code{goodMod: cause.TCPRefused}}},
		{name: "no route to the host is tcp_unreachable", goproxy: "http://noroute.test:" + ports["ok"],
			want: want{mods: map[string]cause.Code{goodMod: cause.TCPUnreachable}}},
		{name: "NXDOMAIN names the resolver from resolv.conf", goproxy: "http://missing.test:" + ports["ok"],
			want: want{mods: map[string]cause.Code{goodMod: cause.DNSNXDomain}, finding: "nameserver " + ns.hostIP.String() + " (/etc/resolv.conf), search corp.test"}},
		{name: "storage host dropped while its proxy answers", goproxy: "http://proxy.test:" + ports["ok"],
			mods: []string{goodMod, "example.test/fork@v1.2.0"},
			want: want{
				mods:      map[string]cause.Code{goodMod: cause.OK, "example.test/fork@v1.2.0": cause.TCPTimeout},
				endpoints: map[string]cause.Code{"http://proxy.test:" + ports["ok"]: cause.OK, "http://storage.test:" + ports["storage"]: cause.TCPTimeout},
				finding:   "allow egress to storage.test:" + ports["storage"],
			}},
		{name: "SSL_CERT_FILE is honoured by the built binary", goproxy: "https://secure.test:" + ports["tls"], env: []string{"SSL_CERT_FILE=" + caFile},
			want: want{mods: map[string]cause.Code{goodMod: cause.OK}}},
		{name: "without the CA, TLS is tls_unknown_authority", goproxy: "https://secure.test:" + ports["tls"],
			want: want{mods: map[string]cause.Code{goodMod: cause.TLSUnknownAuthority}, finding: "intercepted by \"CN=" + testca.CommonName}},
		{name: "IPv6 dropped while IPv4 works is a warning", goproxy: "http://dual.test:" + ports["v6"], ipv6: true,
			want: want{mods: map[string]cause.Code{goodMod: cause.OK}, finding: "IPv6 to dual.test fails (tcp_timeout) while IPv4 works"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.ipv6 && !ns.hostIP6.IsValid() {
				t.Skip("IPv6 is disabled in the namespace")
			}
			t.Parallel()
			mods := tt.mods
			if mods == nil {
				mods = []string{goodMod}
			}
			var req strings.Builder
			for _, m := range mods {
				p, v, _ := strings.Cut(m, "@")
				req.WriteString("require " + p + " " + v + "\n")
			}
			dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\n" + req.String()})
			rep := ns.run(t, bin, append([]string{"GOPROXY=" + tt.goproxy}, tt.env...), dir)
			for id, c := range tt.want.mods {
				found := false
				for _, m := range rep.Modules {
					if m.ID() == id {
						found = true
						if m.Cause != c {
							t.Errorf("%s: cause %s (%s), want %s", id, m.Cause, m.Detail, c)
						}
					}
				}
				if !found {
					t.Errorf("%s not in the report", id)
				}
			}
			for u, c := range tt.want.endpoints {
				found := false
				for _, e := range rep.Endpoints {
					if e.URL == u {
						found = true
						if e.Cause != c {
							t.Errorf("endpoint %s: cause %s (%s), want %s", u, e.Cause, e.Detail, c)
						}
					}
				}
				if !found {
					t.Errorf("endpoint %s not in the report", u)
				}
			}
			if s := tt.want.finding; s != "" {
				found := false
				for _, f := range rep.Findings {
					found = found || strings.Contains(f.Title+"\n"+f.Detail+"\n"+f.Advice+"\n"+f.Fix, s)
				}
				if !found {
					t.Errorf("no finding mentions %q", s)
				}
			}
			if t.Failed() {
				out, _ := json.MarshalIndent(rep, "", "  ")
				t.Logf("report:\n%s", out)
			}
		})
	}
}

// netns is a network namespace with a veth pair into the test's own.
type netns struct {
	name           string
	hostIP, nsIP   netip.Addr
	hostIP6, nsIP6 netip.Addr
	// noRoute has an unreachable route in the namespace: the kernel
	// answers connect(2) with EHOSTUNREACH and nothing is sent.
	noRoute       netip.Addr
	hostIf, nsIf  string
	resolvConfDir string
}

// newNetns creates the namespace, or skips the test where the machine
// forbids it. Everything is removed at cleanup, also when the test fails.
func newNetns(t *testing.T) *netns {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespace suite: needs root (ip netns, nftables); run as root, as .ci/run does")
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("network namespace suite: %s is not installed (.ci/run installs iproute2 and nftables)", tool)
		}
	}
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	id := hex.EncodeToString(b[:])
	// 10.200.X.0/30 exists only on this veth pair, inside this machine.
	hostIP := netip.AddrFrom4([4]byte{10, 200, b[0], 4*(b[1]%64) + 1})
	n := &netns{
		name: "gpf" + id, hostIf: "gpf" + id + "h", nsIf: "gpf" + id + "n",
		hostIP: hostIP, nsIP: hostIP.Next(),
	}
	if out, err := exec.Command("ip", "netns", "add", n.name).CombinedOutput(); err != nil {
		t.Skipf("network namespace suite: this machine forbids network namespaces: ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() {
		_ = exec.Command("ip", "link", "del", n.hostIf).Run() // gone with the namespace, normally
		if out, err := exec.Command("ip", "netns", "del", n.name).CombinedOutput(); err != nil {
			t.Errorf("cleanup: ip netns del %s: %v: %s", n.name, err, out)
		}
		if n.resolvConfDir != "" {
			_ = os.RemoveAll(n.resolvConfDir)
		}
	})
	ipCmd := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	ipCmd("link", "add", n.hostIf, "type", "veth", "peer", "name", n.nsIf)
	ipCmd("link", "set", n.nsIf, "netns", n.name)
	ipCmd("addr", "add", n.hostIP.String()+"/30", "dev", n.hostIf)
	ipCmd("link", "set", n.hostIf, "up")
	ipCmd("-n", n.name, "addr", "add", n.nsIP.String()+"/30", "dev", n.nsIf)
	ipCmd("-n", n.name, "link", "set", n.nsIf, "up")
	ipCmd("-n", n.name, "link", "set", "lo", "up")
	n.noRoute = netip.AddrFrom4([4]byte{10, 201, b[0], b[1]})
	ipCmd("-n", n.name, "route", "add", "unreachable", n.noRoute.String()+"/32")
	// A unique-local /126 for the IPv6 path, where the kernel allows it.
	h6 := netip.MustParseAddr(fmt.Sprintf("fd00:200:%x::1", uint16(b[0])<<8|uint16(b[1])))
	if exec.Command("ip", "-6", "addr", "add", h6.String()+"/126", "dev", n.hostIf, "nodad").Run() == nil &&
		exec.Command("ip", "-n", n.name, "-6", "addr", "add", h6.Next().String()+"/126", "dev", n.nsIf, "nodad").Run() == nil {
		n.hostIP6, n.nsIP6 = h6, h6.Next()
	}
	// ip netns exec bind-mounts /etc/netns/<name>/resolv.conf over
	// /etc/resolv.conf for the commands it runs.
	n.resolvConfDir = filepath.Join("/etc/netns", n.name)
	if err := os.MkdirAll(n.resolvConfDir, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := "nameserver " + n.hostIP.String() + "\nsearch corp.test\noptions timeout:1 attempts:1\n"
	if err := os.WriteFile(filepath.Join(n.resolvConfDir, "resolv.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	// An empty hosts file: only the test's DNS server names things.
	if err := os.WriteFile(filepath.Join(n.resolvConfDir, "hosts"), []byte("127.0.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return n
}

// firewall loads an nftables ruleset into the namespace.
func (n *netns) firewall(t *testing.T, rules string) {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", n.name, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft: %v: %s\n%s", err, out, rules)
	}
}

// run runs the binary in the namespace with exactly env (plus a clean
// HOME) and returns its JSON report.
func (n *netns) run(t *testing.T, bin string, env []string, dir string) *report.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := filepath.Join(t.TempDir(), "report.json")
	args := []string{"netns", "exec", n.name, "env", "-i",
		"HOME=" + t.TempDir(), "GOENV=off", "GOSUMDB=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod", "PATH=/usr/bin:/bin"}
	args = append(args, env...)
	args = append(args, bin, "--format", "json", "--output", out, "--retries", "0",
		"--request-timeout", "1s", "--timeout", "15s", dir)
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "ip", args...)
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	_ = cmd.Run() // the exit code depends on the scenario; the report says why
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no report from %s: %v\n%s", bin, err, stderr.String())
	}
	rep := &report.Report{}
	if err := json.Unmarshal(data, rep); err != nil {
		t.Fatalf("report: %v", err)
	}
	return rep
}

var buildOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "gopreflight-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "gopreflight")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	// Static and offline, as the action and the image build it.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=vendor", "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v: %s", err, out)
	}
	// Several tests use the one binary: it goes when they all have.
	afterTests = append(afterTests, func() { _ = os.RemoveAll(dir) })
	return bin, nil
})

// buildBinary builds the command once per test binary.
func buildBinary(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not installed: cannot build the binary")
	}
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// relay listens on addr and copies each connection to and from target,
// so that a loopback server answers on the veth address. It returns the
// port it listens on.
func relay(t *testing.T, addr, target string) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("relay: %v", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 1000 {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.DialTimeout("tcp", target, 5*time.Second)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns[c], conns[up] = true, true
			mu.Unlock()
			deadline := time.Now().Add(30 * time.Second)
			c.SetDeadline(deadline)
			up.SetDeadline(deadline)
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(up, c); up.Close() }()
			go func() { defer wg.Done(); io.Copy(c, up); c.Close() }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}
