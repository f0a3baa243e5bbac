//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/faultserver"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/report"
)

// TestExplainNetworkNamespace makes the worlds only a network namespace
// can: packets to a port dropped by an nftables rule, and names the
// namespace's own resolver (its resolv.conf) says do not exist, fails on,
// or never answers. The real
// go command fails in the namespace, and explain, run there too, must give
// the cause the normal check gives.
func TestExplainNetworkNamespace(t *testing.T) {
	bin := buildBinary(t)
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not installed: no real log")
	}
	ns, tests := netnsLogWorlds(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := worldModule(t, []string{goodMod}, nil)
			vars := []string{"GOPROXY=" + tt.goproxy}
			// The go command, in the namespace.
			ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "ip", append(append([]string{"netns", "exec", ns.name, "env", "-i"}, goproxytest.GoEnv(t, vars...)...), goBin, "mod", "download")...)
			cmd.Dir = dir
			log, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("go mod download succeeded:\n%s", log)
			}
			logFile := filepath.Join(t.TempDir(), "build.log")
			if err := os.WriteFile(logFile, log, 0o644); err != nil {
				t.Fatal(err)
			}
			normal := ns.run(t, bin, vars, dir)
			out := filepath.Join(t.TempDir(), "explain.json")
			ex := ns.exec(t, bin, vars, "explain", "--format", "text", "--output", out, "--retries", "0", "--request-timeout", "1s", "--timeout", "15s", "--path", dir, logFile)
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("explain wrote no report (exit %d): %s", ex.code, ex.out)
			}
			rep := &report.Report{}
			if err := json.Unmarshal(data, rep); err != nil {
				t.Fatal(err)
			}
			checkExplained(t, tt.want, tt.want, goodMod, string(log), toolRun{rep: normal}, explainRun{code: ex.code, rep: rep, stdout: ex.out})
		})
	}
}

// nsLogWorld is a world of the namespace: GOPROXY and the cause.
type nsLogWorld struct {
	name, goproxy string
	want          cause.Code
}

// netnsLogWorlds makes the namespace of TestExplainNetworkNamespace (its
// resolver, firewall and a relay to a loopback proxy) and returns its
// worlds; it skips where the machine forbids namespaces.
func netnsLogWorlds(t *testing.T) (*netns, []nsLogWorld) {
	ns := newNetns(t)
	proxy := goproxytest.New(t, served...)
	port := relay(t, net.JoinHostPort(ns.hostIP.String(), "0"), strings.TrimPrefix(proxy.URL(), "http://"))
	faultserver.DNSOn(t, net.JoinHostPort(ns.hostIP.String(), "53"), map[string]faultserver.Answer{
		"proxy.test":    faultserver.Addrs(ns.hostIP),
		"servfail.test": {Kind: faultserver.ServFail},
		"silent.test":   {Kind: faultserver.Drop},
		"noroute.test":  faultserver.Addrs(ns.noRoute),
	})
	ns.firewall(t, fmt.Sprintf("table inet gopreflight {\n\tchain out {\n\t\ttype filter hook output priority 0; policy accept;\n\t\ttcp dport %s drop\n\t}\n}", port))
	// One SYN retry: the kernel gives up a dropped connect after about 3s
	// instead of the go command's 30s dial timeout. The setting is the
	// namespace's own.
	if out, err := exec.Command("ip", "netns", "exec", ns.name, "sysctl", "-qw", "net.ipv4.tcp_syn_retries=1").CombinedOutput(); err != nil {
		t.Fatalf("sysctl: %v: %s", err, out)
	}
	return ns, []nsLogWorld{
		{"DROP", "http://proxy.test:" + port, cause.TCPTimeout},
		{"NXDOMAIN", "http://missing.test:" + port, cause.DNSNXDomain},
		{"SERVFAIL", "http://servfail.test:" + port, cause.DNSFailure},
		{"the resolver never answers", "http://silent.test:" + port, cause.DNSTimeout},
		{"no route to the host", "http://noroute.test:" + port, cause.TCPUnreachable},
	}
}

type nsResult struct {
	code int
	out  string
}

// exec runs the binary in the namespace with args and exactly env (plus
// the hermetic basics), returning its exit code and output.
func (n *netns) exec(t *testing.T, bin string, env []string, args ...string) nsResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a := []string{"netns", "exec", n.name, "env", "-i",
		"HOME=" + t.TempDir(), "GOENV=off", "GOSUMDB=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod", "PATH=/usr/bin:/bin"}
	a = append(append(append(a, env...), bin), args...)
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "ip", a...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	return nsResult{code: code, out: out.String()}
}
