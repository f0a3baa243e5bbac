package probe

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"runtime"
	"strings"
)

// resolvConf is where Go's resolver and libc read the system resolver's
// configuration on Unix; `ip netns exec` bind-mounts a namespace's own
// file over it.
const resolvConf = "/etc/resolv.conf"

// dnsServerResolver returns a pure-Go resolver that sends every query to
// addr (host:port), as `dig @addr` does.
func dnsServerResolver(addr string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
}

// namedServer makes a DNS error name the --resolver server: Go's resolver
// names the resolv.conf server its configuration held, even when Dial sent
// the query elsewhere.
func (c *Client) namedServer(err error) error {
	var de *net.DNSError
	if c.opts.DNSServer == "" || !errors.As(err, &de) {
		return err
	}
	named := *de
	named.Server = c.opts.DNSServer
	return &named
}

// describeResolver names the resolver in use, for DNS findings: the DNS
// server given on the command line, or the nameservers and search domains
// of resolv.conf.
func describeResolver(dnsServer string) string {
	if dnsServer != "" {
		return "DNS server " + dnsServer + " (--resolver)"
	}
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return "the system resolver"
	}
	ns, search := readResolvConf(resolvConf)
	if len(ns) == 0 {
		return "the system resolver (" + resolvConf + " names no nameserver)"
	}
	d := "nameserver " + strings.Join(ns, ", ") + " (" + resolvConf + ")"
	if len(search) > 0 {
		d += ", search " + strings.Join(search, " ")
	}
	return d
}

// readResolvConf returns the nameserver and search (or domain) entries of
// a resolv.conf file; a missing file has none.
func readResolvConf(path string) (nameservers, search []string) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan() && n < 1000; n++ { // resolv.conf is short; bound it anyway
		line := sc.Text()
		if i := strings.IndexAny(line, "#;"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "nameserver":
			nameservers = append(nameservers, f[1])
		case "search", "domain":
			search = f[1:] // the last one wins, as in resolv.conf(5)
		}
	}
	return nameservers, search
}
